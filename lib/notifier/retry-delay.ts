/**
 * WeChat Pay's payment-notify schedule: the delays, in milliseconds, before each retry of a
 * notice whose previous attempt failed (15 retries, about 24 hours in all).
 */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = Object.freeze([
  15_000, 15_000, 30_000, 180_000, 600_000, 1_200_000, 1_800_000, 1_800_000, 1_800_000, 3_600_000,
  10_800_000, 10_800_000, 10_800_000, 21_600_000, 21_600_000,
]);

/** How failed attempts are retried. */
export interface RetryPolicy {
  /** Delay before retry n (index n-1), in milliseconds; its length is the number of retries. */
  schedule: readonly number[];
  /** Each delay is moved at random by up to this fraction of itself, up or down (0 to 1). */
  jitter: number;
  /** A platform's `Retry-After` longer than this is cut to it, in milliseconds. */
  maxRetryAfterMs: number;
}

/** The inputs of {@link computeRetryDelay}. */
export interface RetryDelayInput {
  /** How many attempts have failed so far, the one just made included (1 after the first). */
  failedAttempts: number;
  policy: RetryPolicy;
  /** A number in [0, 1), like `Math.random`. */
  random: () => number;
  /** The platform's `Retry-After`, already read into milliseconds (see {@link parseRetryAfter}). */
  retryAfterMs?: number;
}

/**
 * The delay in milliseconds before the next attempt, or `undefined` when the schedule is
 * exhausted and the notice becomes a dead letter. Pure: the same inputs give the same answer.
 * A `Retry-After` is honoured as a floor (never retry sooner than the platform asked), capped
 * by `maxRetryAfterMs` so that a wrong header cannot park a notice for days.
 */
export function computeRetryDelay(input: RetryDelayInput): number | undefined {
  const { failedAttempts, policy, random, retryAfterMs } = input;
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) {
    throw new RangeError(`failedAttempts must be an integer of at least 1, got ${failedAttempts}`);
  }
  const base = policy.schedule[failedAttempts - 1];
  if (base === undefined) return undefined;
  // Spread retries of notices that failed together (a platform outage) so they do not return
  // as one burst.
  const spread = policy.jitter * (2 * random() - 1);
  const jittered = Math.max(0, Math.round(base * (1 + spread)));
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs));
}

const DELAY_SECONDS = /^\d+$/;

/**
 * Reads an HTTP `Retry-After` header: delay-seconds or an HTTP date. Returns milliseconds from
 * `now` (0 for a date in the past), or `undefined` for a missing or unreadable header.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (DELAY_SECONDS.test(text)) return Number(text) * 1000;
  // HTTP dates always name a day and a month in letters; refuse bare numbers Date.parse accepts.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
