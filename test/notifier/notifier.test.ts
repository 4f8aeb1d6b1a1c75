import assert from 'node:assert/strict';
import path from 'node:path';
import {
  DEFAULT_RETRY_SCHEDULE,
  NoticeDeadLetterError,
  NoticeNotFoundError,
  type NoticeWithHistory,
  NotifierClosedError,
} from '../../lib/notifier';
import { ValidationError } from '../../lib/protocol/errors';
import { signData } from '../../lib/protocol/sign';
import { MemoryNoticeStore } from '../../lib/stores/memory-notice-store';
import { SqliteStore } from '../../lib/stores/sqlite-store';
import { startMockPlatform } from '../../lib/testing/mock-platform';
import { eventually } from '../helpers/manual-clock';
import { AES_KEY, type Harness, MD5_KEY, makeHarness, TOKEN } from '../helpers/notifier-harness';
import { makeTempDir } from '../helpers/temp-dir';

const paid = {
  order_id: '5cbe7fe1cd370125600453',
  transaction_id: '4200000303201904231234567890',
  order_type: 1,
};

describe('Notifier', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.dispose();
  });

  it('delivers a signed notice the first time, with the exact envelope', async () => {
    h = await makeHarness();
    const id = await h.notifier.notifyPaymentSuccess(paid);
    const delivered = await h.notifier.waitForDelivery(id);
    assert.equal(delivered.state, 'delivered');
    assert.equal(delivered.attemptCount, 1);
    assert.deepEqual(
      delivered.history.map((a) => [a.number, a.outcome, a.httpStatus, a.detail]),
      [[1, 'delivered', 200, 'SUCCESS']],
    );
    const [received] = h.platform.notices;
    assert.ok(received);
    assert.equal(received.valid, true);
    const dataText =
      '{"order_id":"5cbe7fe1cd370125600453","transaction_id":"4200000303201904231234567890","order_type":1,"app_id":"app1"}';
    assert.deepEqual(received.envelope, {
      app_id: 'app1',
      data: dataText,
      sign: signData(dataText, MD5_KEY),
      sign_type: 'MD5',
    });
    assert.deepEqual(Object.keys(Object.fromEntries(new URLSearchParams(received.rawBody))), [
      'app_id',
      'data',
      'sign',
      'sign_type',
    ]);
    assert.equal((await h.notifier.getNotice(id))?.deliveredAt, h.clock.now());
  });

  it('sends a notice accepted while the loop is busy at once, without waiting for a poll', async () => {
    // The manual clock never moves here: a notice missed by the loop would wait for a poll
    // timer that never fires. The second notice is accepted while the loop is held inside
    // nextDueAt(), after it read the store and when no attempt is under way.
    const store = new MemoryNoticeStore();
    const nextDueAt = store.nextDueAt.bind(store);
    let entered: () => void = () => {};
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    let release: () => void = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    let held = false;
    store.nextDueAt = async () => {
      const at = await nextDueAt();
      // Hold the look that follows the first delivery, when nothing else will kick the loop.
      if (!held && (await store.listNotices({ state: 'delivered' })).length === 1) {
        held = true;
        entered();
        await released;
      }
      return at;
    };
    h = await makeHarness({ store });
    const first = await h.notifier.notifyPaymentSuccess({ ...paid, order_id: 'first' });
    await inside;
    const second = await h.notifier.notifyPaymentSuccess({ ...paid, order_id: 'second' });
    release();
    await eventually(async () => (await store.getNotice(second))?.state === 'delivered', 2000);
    await eventually(async () => (await store.getNotice(first))?.state === 'delivered', 2000);
  });

  it('encrypts in PKCS#7 mode with an empty sign, and the platform decrypts it', async () => {
    h = await makeHarness({
      signType: 'pkcs7',
      md5Key: undefined,
      aesKey: AES_KEY,
      aesToken: TOKEN,
    });
    const id = await h.notifier.notifyPaymentSuccess({ ...paid, order_type: '2' });
    await h.notifier.waitForDelivery(id);
    const [received] = h.platform.notices;
    assert.equal(received?.valid, true);
    assert.equal(received?.mode, 'PKCS#7');
    assert.equal(received?.envelope.sign, '');
    assert.equal(received?.envelope.sign_type, 'PKCS#7');
    assert.deepEqual(received?.data, { ...paid, order_type: 2, app_id: 'app1' });
    assert.doesNotMatch(received?.rawBody ?? '', /5cbe7fe1/);
  });

  it('retries error answers, HTTP errors and dropped connections on schedule, then delivers', async () => {
    h = await makeHarness({ retrySchedule: [1000, 2000, 3000, 4000] });
    h.platform.script(
      { kind: 'error', message: '订单状态异常' },
      { kind: 'status', status: 500, body: 'Internal Server Error' },
      { kind: 'drop' },
    );
    const t0 = h.clock.now();
    const id = await h.notifier.notifyPaymentSuccess(paid);
    await h.attempts(id, 1);
    let notice = await h.notifier.getNotice(id);
    assert.equal(notice?.state, 'pending');
    assert.equal(notice?.lastError, '订单状态异常');
    assert.equal(notice?.nextAttemptAt, t0 + 1000);
    await h.retry(id);
    assert.equal((await h.notifier.getNotice(id))?.nextAttemptAt, t0 + 1000 + 2000);
    await h.retry(id);
    await h.retry(id);
    notice = await h.notifier.waitForDelivery(id);
    assert.deepEqual(
      notice.history.map((a) => [a.outcome, a.httpStatus, a.startedAt - t0]),
      [
        ['rejected', 200, 0],
        ['http-error', 500, 1000],
        ['network-error', undefined, 3000],
        ['delivered', 200, 6000],
      ],
    );
    assert.equal(notice.history[1]?.detail, 'HTTP 500: Internal Server Error');
    assert.equal(h.platform.noticesFor(paid.order_id).length, 4);
  });

  it('counts a redirect as an HTTP error instead of following it with a GET', async () => {
    h = await makeHarness({ retrySchedule: [1000] });
    h.platform.script({ kind: 'status', status: 302, headers: { location: h.platform.url } });
    const id = await h.notifier.notifyPaymentSuccess(paid);
    await h.attempts(id, 1);
    const attempt = (await h.notifier.getNotice(id))?.history[0];
    assert.deepEqual([attempt?.outcome, attempt?.httpStatus], ['http-error', 302]);
    assert.equal(h.platform.notices.length, 1);
  });

  it('counts a hanging platform as a timed-out attempt', async () => {
    h = await makeHarness({ timeoutMs: 150, retrySchedule: [1000] });
    h.platform.script({ kind: 'hang' });
    const id = await h.notifier.notifyPaymentSuccess(paid);
    await h.attempts(id, 1);
    const notice = await h.notifier.getNotice(id);
    assert.equal(notice?.history[0]?.outcome, 'timeout');
    assert.equal(notice?.history[0]?.detail, 'no complete answer within 150 ms');
    await h.retry(id);
    assert.equal((await h.notifier.getNotice(id))?.state, 'delivered');
  });

  it('counts an unreachable platform as a network error', async () => {
    const gone = await startMockPlatform({ apps: {} });
    await gone.close();
    h = await makeHarness({ notifyUrl: gone.url, retrySchedule: [1000] });
    const id = await h.notifier.notifyPaymentSuccess(paid);
    await h.attempts(id, 1);
    const notice = await h.notifier.getNotice(id);
    assert.equal(notice?.history[0]?.outcome, 'network-error');
    assert.match(notice?.history[0]?.detail ?? '', /ECONNREFUSED/);
  });

  it('honours Retry-After in seconds and as an HTTP date', async () => {
    h = await makeHarness({ retrySchedule: [1000, 1000, 1000] });
    h.platform.script(
      { kind: 'status', status: 429, retryAfter: 120 },
      {
        kind: 'status',
        status: 503,
        retryAfter: new Date(h.clock.now() + 120_000 + 300_000).toUTCString(),
      },
    );
    const t0 = h.clock.now();
    const id = await h.notifier.notifyPaymentSuccess(paid);
    await h.attempts(id, 1);
    assert.equal((await h.notifier.getNotice(id))?.nextAttemptAt, t0 + 120_000);
    await h.retry(id);
    assert.equal((await h.notifier.getNotice(id))?.nextAttemptAt, t0 + 120_000 + 300_000);
    await h.retry(id);
    assert.equal((await h.notifier.getNotice(id))?.state, 'delivered');
  });

  it("exhausts WeChat's schedule into a dead letter, calls onDeadLetter, and can be re-queued", async () => {
    const dead: NoticeWithHistory[] = [];
    h = await makeHarness({ onDeadLetter: (n) => void dead.push(n), random: () => 0.5 });
    h.platform.setDefaultReply({ kind: 'error', message: 'FAIL' });
    const t0 = h.clock.now();
    const id = await h.notifier.notifyPaymentSuccess(paid);
    // Settled long before it is asserted on: keep its rejection handled.
    const waiting = h.notifier.waitForDelivery(id).catch((e: unknown) => e);
    await h.attempts(id, 1);
    for (let i = 0; i < DEFAULT_RETRY_SCHEDULE.length; i++) await h.retry(id);
    const error = await waiting;
    assert.ok(error instanceof NoticeDeadLetterError);
    assert.equal(error.notice.attemptCount, 16);
    assert.match(error.message, /failed 16 attempts and is a dead letter; last error: FAIL/);
    const notice = await h.notifier.getNotice(id);
    assert.equal(notice?.state, 'dead');
    assert.equal(notice?.attemptCount, 16);
    const gaps = notice?.history
      .slice(1)
      .map((a, i) => a.startedAt - (notice.history[i]?.startedAt ?? 0));
    assert.deepEqual(gaps, [...DEFAULT_RETRY_SCHEDULE]);
    assert.equal(h.clock.now() - t0, (24 * 60 + 4) * 60_000);
    await eventually(() => dead.length === 1);
    assert.equal(dead[0]?.id, id);
    assert.equal(dead[0]?.history.length, 16);
    assert.deepEqual(
      (await h.notifier.listNotices({ state: 'dead' })).map((n) => n.id),
      [id],
    );
    // Nothing more happens on its own, however long we wait.
    h.clock.advance(7 * 86_400_000);
    assert.equal((await h.notifier.getNotice(id))?.attemptCount, 16);

    h.platform.setDefaultReply({ kind: 'success' });
    const requeued = await h.notifier.requeue(id);
    assert.equal(requeued.state, 'pending');
    const delivered = await h.notifier.waitForDelivery(id);
    assert.equal(delivered.attemptCount, 17);
    assert.equal(h.platform.noticesFor(paid.order_id).length, 17);
  });

  it('runs the retry, dead letter, re-queue and delivery cycle on SQLite too', async () => {
    const { dir, cleanup } = makeTempDir();
    const store = new SqliteStore({ path: path.join(dir, 'cycle.sqlite') });
    try {
      h = await makeHarness({ store, retrySchedule: [1000] });
      h.platform.script({ kind: 'error', message: 'no' }, { kind: 'status', status: 500 });
      const id = await h.notifier.notifyPaymentSuccess(paid);
      await h.attempts(id, 1);
      await h.retry(id);
      assert.equal((await h.notifier.getNotice(id))?.state, 'dead');
      await h.notifier.requeue(id);
      const notice = await h.notifier.waitForDelivery(id);
      assert.deepEqual(
        notice.history.map((a) => a.outcome),
        ['rejected', 'http-error', 'delivered'],
      );
      assert.equal(notice.attemptsBeforeRequeue, 2);
    } finally {
      await h.dispose();
      await store.close();
      cleanup();
    }
  });

  it('starts the schedule over after a re-queue', async () => {
    h = await makeHarness({ retrySchedule: [1000] });
    h.platform.setDefaultReply({ kind: 'error', message: 'FAIL' });
    const id = await h.notifier.notifyPaymentSuccess(paid);
    await h.attempts(id, 1);
    await h.retry(id);
    assert.equal((await h.notifier.getNotice(id))?.state, 'dead');
    await h.notifier.requeue(id);
    await h.attempts(id, 3);
    assert.equal((await h.notifier.getNotice(id))?.state, 'pending');
    await h.retry(id);
    assert.equal((await h.notifier.getNotice(id))?.state, 'dead');
  });

  it('queues one notice per order: a duplicate call returns the same id', async () => {
    // A short timeout: close() waits for the hanging attempt.
    h = await makeHarness({ timeoutMs: 100 });
    h.platform.script({ kind: 'hang' });
    const ids = await Promise.all([
      h.notifier.notifyPaymentSuccess(paid),
      h.notifier.notifyPaymentSuccess(paid),
      h.notifier.notifyPaymentSuccess({ ...paid, order_type: '1' }),
    ]);
    assert.equal(new Set(ids).size, 1);
    const other = await h.notifier.notifyPaymentSuccess({ ...paid, transaction_id: 'another' });
    assert.equal(other, ids[0]);
    assert.ok(
      h.logger.lines.some((l) => l.level === 'warn' && /another transaction_id/.test(l.message)),
    );
    assert.equal((await h.notifier.listNotices()).length, 1);
    const second = await h.notifier.notifyPaymentSuccess({ ...paid, order_id: 'other-order' });
    assert.notEqual(second, ids[0]);
  });

  it('validates the notice, naming the field', async () => {
    h = await makeHarness();
    const bad: [unknown, RegExp][] = [
      [{ ...paid, order_id: '' }, /order_id must be a non-empty string/],
      [{ ...paid, order_id: 42 }, /order_id/],
      [{ ...paid, transaction_id: '  ' }, /transaction_id/],
      [
        { ...paid, transaction_id: undefined },
        /transaction_id must be a non-empty string, got nothing/,
      ],
      [{ ...paid, order_type: 4 }, /order_type must be 1/],
      [{ ...paid, order_type: 'one' }, /order_type/],
      [{ ...paid, order_type: 1.5 }, /order_type/],
      [null, /needs an object/],
    ];
    for (const [input, message] of bad) {
      await assert.rejects(
        h.notifier.notifyPaymentSuccess(input as typeof paid),
        (e) => e instanceof ValidationError && message.test(e.message),
      );
    }
    assert.equal((await h.notifier.listNotices()).length, 0);
  });

  it('stops waiting for delivery when the signal aborts, leaving no watcher behind', async () => {
    h = await makeHarness({ timeoutMs: 100, retrySchedule: [60_000] });
    h.platform.setDefaultReply({ kind: 'error', message: 'not yet' });
    const id = await h.notifier.notifyPaymentSuccess(paid);
    await h.attempts(id, 1);
    const controller = new AbortController();
    const waiting = h.notifier.waitForDelivery(id, { signal: controller.signal });
    await eventually(() => h.clock.timerCount === 2); // the loop's timer and the wait's poll
    controller.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
    assert.equal(h.clock.timerCount, 1);
    await assert.rejects(
      h.notifier.waitForDelivery(id, { signal: AbortSignal.abort(new Error('already')) }),
      /already/,
    );
  });

  it('answers unknown ids with NoticeNotFoundError or undefined', async () => {
    h = await makeHarness();
    assert.equal(await h.notifier.getNotice('nope'), undefined);
    await assert.rejects(h.notifier.waitForDelivery('nope'), NoticeNotFoundError);
    await assert.rejects(h.notifier.requeue('nope'), NoticeNotFoundError);
  });

  it('never logs the keys', async () => {
    h = await makeHarness({
      signType: 'PKCS#7',
      aesKey: 'short-aes',
      aesToken: 'short-token',
      retrySchedule: [10],
    });
    h.platform.script({ kind: 'error', message: 'bad' });
    const id = await h.notifier.notifyPaymentSuccess(paid);
    await h.attempts(id, 1);
    await h.retry(id);
    assert.ok(h.logger.lines.some((l) => /AES key is 9 bytes/.test(l.message)));
    for (const secret of [MD5_KEY, 'short-aes', 'short-token']) {
      assert.ok(!h.logger.text().includes(secret), 'a key was logged');
    }
  });

  describe('close()', () => {
    it('waits for an attempt under way to be recorded, and leaves no timer', async () => {
      h = await makeHarness({ timeoutMs: 200, retrySchedule: [1000] });
      h.platform.script({ kind: 'hang' });
      const id = await h.notifier.notifyPaymentSuccess(paid);
      await h.platform.waitForRequests(1);
      const waiting = h.notifier.waitForDelivery(id);
      await h.notifier.close();
      await assert.rejects(waiting, NotifierClosedError);
      const notice = await h.store.getNotice(id);
      assert.equal(notice?.attemptCount, 1);
      assert.equal(notice?.history[0]?.outcome, 'timeout');
      assert.equal(notice?.leaseOwner, undefined);
      assert.equal(h.clock.timerCount, 0);
    });

    it('refuses new notices afterwards and is idempotent', async () => {
      h = await makeHarness();
      await Promise.all([h.notifier.close(), h.notifier.close()]);
      await assert.rejects(h.notifier.notifyPaymentSuccess(paid), NotifierClosedError);
      await assert.rejects(h.notifier.getNotice('x'), NotifierClosedError);
      await assert.rejects(h.notifier.requeue('x'), NotifierClosedError);
    });
  });
});
