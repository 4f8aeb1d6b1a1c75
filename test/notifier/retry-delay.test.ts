import assert from 'node:assert/strict';
import {
  computeRetryDelay,
  DEFAULT_RETRY_SCHEDULE,
  parseRetryAfter,
  type RetryPolicy,
} from '../../lib/notifier/retry-delay';

const noJitter: RetryPolicy = {
  schedule: DEFAULT_RETRY_SCHEDULE,
  jitter: 0,
  maxRetryAfterMs: 21_600_000,
};
const half = () => 0.5; // the middle of [0, 1): no jitter at all

describe('computeRetryDelay', () => {
  it("follows WeChat Pay's notify schedule by default: 15 retries, then nothing", () => {
    const seconds = DEFAULT_RETRY_SCHEDULE.map((ms) => ms / 1000);
    assert.deepEqual(
      seconds,
      [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600],
    );
    const delays = Array.from({ length: 16 }, (_, i) =>
      computeRetryDelay({ failedAttempts: i + 1, policy: noJitter, random: Math.random }),
    );
    assert.deepEqual(delays.slice(0, 15), [...DEFAULT_RETRY_SCHEDULE]);
    assert.equal(delays[15], undefined);
    // About 24 hours and 4 minutes in all, as WeChat documents.
    const total = DEFAULT_RETRY_SCHEDULE.reduce((a, b) => a + b, 0);
    assert.equal(total, (24 * 60 + 4) * 60_000);
  });

  it('moves each delay by at most the jitter fraction, as the random number says', () => {
    const policy: RetryPolicy = { schedule: [10_000], jitter: 0.2, maxRetryAfterMs: 0 };
    assert.equal(computeRetryDelay({ failedAttempts: 1, policy, random: () => 0 }), 8_000);
    assert.equal(computeRetryDelay({ failedAttempts: 1, policy, random: half }), 10_000);
    assert.equal(computeRetryDelay({ failedAttempts: 1, policy, random: () => 0.999_999 }), 12_000);
    for (let i = 0; i < 200; i++) {
      const d = computeRetryDelay({ failedAttempts: 1, policy, random: Math.random });
      assert.ok(d !== undefined && d >= 8_000 && d <= 12_000, `delay ${d}`);
    }
  });

  it('is pure: the same inputs give the same delay', () => {
    const input = { failedAttempts: 3, policy: { ...noJitter, jitter: 0.5 }, random: () => 0.3 };
    assert.equal(computeRetryDelay(input), computeRetryDelay(input));
  });

  it('honours Retry-After as a floor, capped by maxRetryAfterMs', () => {
    const policy: RetryPolicy = { schedule: [15_000, 15_000], jitter: 0, maxRetryAfterMs: 60_000 };
    const at = (retryAfterMs: number) =>
      computeRetryDelay({ failedAttempts: 1, policy, random: half, retryAfterMs });
    assert.equal(at(30_000), 30_000);
    assert.equal(at(5_000), 15_000);
    assert.equal(at(3_600_000), 60_000);
    // An exhausted schedule stays exhausted whatever the platform asks.
    assert.equal(
      computeRetryDelay({ failedAttempts: 3, policy, random: half, retryAfterMs: 1000 }),
      undefined,
    );
  });

  it('supports an empty schedule (no retry) and refuses a nonsense attempt count', () => {
    const policy: RetryPolicy = { schedule: [], jitter: 0, maxRetryAfterMs: 0 };
    assert.equal(computeRetryDelay({ failedAttempts: 1, policy, random: half }), undefined);
    assert.throws(() => computeRetryDelay({ failedAttempts: 0, policy, random: half }), RangeError);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');

  it('reads delay-seconds', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
  });

  it('reads an HTTP date, as milliseconds from now, never negative', () => {
    assert.equal(parseRetryAfter('Wed, 25 Nov 2026 12:01:30 GMT', now), 90_000);
    assert.equal(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', now), 0);
  });

  it('ignores a missing or unreadable header', () => {
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
    assert.equal(parseRetryAfter('', now), undefined);
    assert.equal(parseRetryAfter('-5', now), undefined);
    assert.equal(parseRetryAfter('1.5', now), undefined);
    assert.equal(parseRetryAfter('soon', now), undefined);
  });
});
