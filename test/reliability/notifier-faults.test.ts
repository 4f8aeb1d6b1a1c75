// The payment-success notifier under faults, loopback only and bounded: a platform that
// flaps, a process SIGKILLed mid-stream and restarted on the same file, a database locked
// beyond busyTimeoutMs or opened read-only. Throughout, no key may reach the logs.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createNotifier } from '../../lib/notifier';
import { SqliteStore, SqliteStoreError } from '../../lib/stores/sqlite-store';
import {
  type MockPlatform,
  type MockReply,
  type ReceivedNotice,
  startMockPlatform,
} from '../../lib/testing/mock-platform';
import { type Child, spawnChild } from '../helpers/child';
import { AES_KEY, AES_TOKEN, APP_ID, MD5_KEY } from '../helpers/fixtures';
import { eventually, MemoryLogger } from '../helpers/manual-clock';
import { makeTempDir } from '../helpers/temp-dir';
import { assertNoSecrets, fuzzTimeout } from './harness';

const SEED = Number(process.env.NOTIFIER_FAULTS_SEED ?? 20261125);
const FLAP_NOTICES = Number(process.env.NOTIFIER_FAULTS_NOTICES ?? 1000);

/** mulberry32: a small seeded PRNG, so a failing mix can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** True when the platform answered (or was about to answer) this notice `SUCCESS`. */
function answeredSuccess(n: ReceivedNotice): boolean {
  if (!n.valid) return false;
  if (n.reply.kind === 'success') return true;
  return n.reply.kind === 'slow' && (n.reply.reply?.kind ?? 'success') === 'success';
}

/** Counts of notices by state, read straight from the SQLite file. */
function states(db: Database.Database): Record<string, number> {
  const rows = db.prepare('SELECT state, COUNT(*) AS n FROM zhichi_notices GROUP BY state').all();
  return Object.fromEntries((rows as { state: string; n: number }[]).map((r) => [r.state, r.n]));
}

describe('reliability: the notifier under faults', function () {
  this.timeout(fuzzTimeout(60_000));
  let dir: string;
  let cleanup: () => void;
  let platform: MockPlatform;
  const children: Child[] = [];
  const logger = new MemoryLogger();

  beforeEach(async () => {
    ({ dir, cleanup } = makeTempDir('zhichi-faults-'));
    platform = await startMockPlatform({
      apps: {
        [APP_ID]: { md5Key: MD5_KEY, aesKey: AES_KEY, aesToken: AES_TOKEN },
        app1: { md5Key: 'child-md5-key' },
      },
    });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill('SIGKILL');
        await child.exited;
      }
    }
    await platform.close();
    cleanup();
  });
  after(() => {
    // Every log line of every test above: ids, outcomes and causes, never a key.
    assertNoSecrets(logger.text());
  });

  it(`delivers ${FLAP_NOTICES} notices through a flapping platform, none lost, none dead (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    // The platform's answers, in order of arrival; past the script it answers SUCCESS.
    const script: MockReply[] = [];
    for (let i = 0; i < FLAP_NOTICES * 2.5; i++) {
      const r = random();
      if (r < 0.4) script.push({ kind: 'success' });
      else if (r < 0.5)
        script.push({ kind: 'error', message: pick(['订单不存在', 'FAIL', 'sign error', '']) });
      else if (r < 0.6) script.push({ kind: 'status', status: 500, body: 'Internal Server Error' });
      else if (r < 0.7)
        script.push({
          kind: 'status',
          status: pick([429, 503]),
          retryAfter: pick([0, 1, 'Wed, 21 Oct 2015 07:28:00 GMT']),
        });
      else if (r < 0.75)
        script.push({ kind: 'status', status: 302, headers: { location: 'http://127.0.0.1:1/' } });
      else if (r < 0.85) script.push({ kind: 'drop' });
      else if (r < 0.9) script.push({ kind: 'hang' });
      else script.push({ kind: 'slow', ms: 600, reply: { kind: 'success' } }); // beyond timeoutMs
      if (random() < 0.05) script.push({ kind: 'slow', ms: 20 }); // slow but in time
    }
    platform.script(...script);

    const databasePath = path.join(dir, 'flap.sqlite');
    const store = new SqliteStore({ path: databasePath });
    const dead: string[] = [];
    const notifier = createNotifier({
      appId: APP_ID,
      md5Key: MD5_KEY,
      notifyUrl: platform.url,
      store,
      logger,
      concurrency: 32,
      // Generous for loopback: on a busy 2-core machine a fresh connection can take 100 ms+.
      timeoutMs: 400,
      leaseMs: 1000,
      pollIntervalMs: 20,
      // 40 retries of 5–20 ms; a Retry-After of 1 s is capped to 20 ms.
      retrySchedule: Array.from({ length: 40 }, (_, i) => Math.min(20, 5 * 2 ** (i >> 1))),
      retryJitter: 0.2,
      maxRetryAfterMs: 20,
      random: prng(SEED + 1),
      onDeadLetter: (n) => {
        dead.push(n.orderId);
      },
    });
    const orders = Array.from({ length: FLAP_NOTICES }, (_, i) => `flap-${i}`);
    const started = Date.now();
    try {
      const ids = await Promise.all(
        orders.map((order_id, i) =>
          notifier.notifyPaymentSuccess({ order_id, transaction_id: `tx-${i}`, order_type: 1 }),
        ),
      );
      assert.equal(new Set(ids).size, FLAP_NOTICES);
      await eventually(
        () => (states(store.db).delivered ?? 0) + (states(store.db).dead ?? 0) === FLAP_NOTICES,
        45_000,
        `${FLAP_NOTICES} notices settled (now ${JSON.stringify(states(store.db))}, ${platform.notices.length} requests; last log ${JSON.stringify(logger.lines.slice(-3))})`,
      );
    } finally {
      await notifier.close();
    }
    const deadOnes = await store.listNotices({ state: 'dead', limit: 3 });
    assert.deepEqual(
      states(store.db),
      { delivered: FLAP_NOTICES },
      JSON.stringify(deadOnes.map((d) => d.lastError)),
    );
    assert.deepEqual(dead, []);
    // Each order: at least one valid notice the platform answered SUCCESS.
    const byOrder = new Map<string, ReceivedNotice[]>();
    for (const n of platform.notices) {
      assert.equal(n.valid, true, n.problem);
      const order = String(n.data?.order_id);
      byOrder.set(order, [...(byOrder.get(order) ?? []), n]);
    }
    let duplicates = 0;
    for (const order of orders) {
      const successes = (byOrder.get(order) ?? []).filter(answeredSuccess).length;
      assert.ok(successes >= 1, `order ${order} never answered SUCCESS`);
      duplicates += successes - 1;
    }
    assert.equal(byOrder.size, FLAP_NOTICES);
    // Every kind of failure was met and recorded.
    const outcomes = store.db
      .prepare('SELECT outcome, COUNT(*) AS n FROM zhichi_notice_attempts GROUP BY outcome')
      .all() as { outcome: string; n: number }[];
    const seen = Object.fromEntries(outcomes.map((o) => [o.outcome, o.n]));
    for (const kind of ['delivered', 'rejected', 'http-error', 'timeout', 'network-error']) {
      assert.ok((seen[kind] ?? 0) > 0, `no ${kind} attempt in ${JSON.stringify(seen)}`);
    }
    await store.close();
    console.log(
      `      flapping: ${FLAP_NOTICES} notices, ${platform.notices.length} requests in ${Date.now() - started} ms; attempts ${JSON.stringify(seen)}; ${duplicates} SUCCESS answered twice (a SUCCESS slower than timeoutMs)`,
    );
  });

  it('delivers every order after a SIGKILL mid-stream and a restart on the same file', async function () {
    this.timeout(fuzzTimeout(45_000));
    const COUNT = 300;
    const databasePath = path.join(dir, 'killed.sqlite');
    // A slow platform, but within the child's 300 ms timeout.
    platform.setDefaultReply({ kind: 'slow', ms: 150 });
    const env = { ZHICHI_DB: databasePath, ZHICHI_URL: platform.url };
    const first = spawnChild({ ...env, ZHICHI_MODE: 'bulk', ZHICHI_COUNT: String(COUNT) });
    children.push(first);
    const accepted = await first.report('accepted', 30_000);
    assert.equal(accepted.count, COUNT);
    await platform.waitForRequests(48, 15_000);
    first.process.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');

    const inspect = new Database(databasePath, { readonly: true });
    const left = states(inspect);
    assert.equal(left.pending ?? 0, COUNT - (left.delivered ?? 0), JSON.stringify(left));
    assert.ok((left.pending ?? 0) >= 200, `only ${left.pending} pending at the kill`);

    platform.setDefaultReply({ kind: 'success' });
    const second = spawnChild({ ...env, ZHICHI_MODE: 'drain' });
    children.push(second);
    await second.report('ready', 30_000);
    await eventually(
      () => states(inspect).delivered === COUNT,
      20_000,
      `all ${COUNT} delivered after the restart (now ${JSON.stringify(states(inspect))})`,
    );
    second.process.kill('SIGTERM');
    assert.deepEqual(await second.exited, { code: 0, signal: null }, second.stderr());
    assert.deepEqual(states(inspect), { delivered: COUNT });
    const orders = inspect.prepare('SELECT order_id FROM zhichi_notices').all() as {
      order_id: string;
    }[];
    assert.equal(orders.length, COUNT);
    inspect.close();
    for (let i = 0; i < COUNT; i++) {
      const got = platform.noticesFor(`bulk-${i}`).filter(answeredSuccess);
      assert.ok(got.length >= 1, `order bulk-${i} never answered SUCCESS`);
    }
    // The children log JSON lines to stderr: no key there either.
    assertNoSecrets(first.stderr() + second.stderr(), { 'child md5 key': 'child-md5-key' });
  });

  it('rejects notices while the database is locked, naming the cause, and delivers the accepted ones after', async () => {
    const databasePath = path.join(dir, 'locked.sqlite');
    const store = new SqliteStore({ path: databasePath, busyTimeoutMs: 50 });
    const notifier = createNotifier({
      appId: APP_ID,
      signType: 'PKCS#7',
      aesKey: AES_KEY,
      aesToken: AES_TOKEN,
      notifyUrl: platform.url,
      store,
      logger,
      timeoutMs: 200,
      leaseMs: 400,
      pollIntervalMs: 20,
      retrySchedule: Array.from({ length: 100 }, () => 20),
    });
    let locker: Database.Database | undefined;
    try {
      platform.setDefaultReply({ kind: 'status', status: 503 });
      const orders = Array.from({ length: 20 }, (_, i) => `lock-${i}`);
      await Promise.all(
        orders.map((order_id) =>
          notifier.notifyPaymentSuccess({
            order_id,
            transaction_id: `t-${order_id}`,
            order_type: 2,
          }),
        ),
      );
      await platform.waitForRequests(20, 10_000);

      // Another process takes the write lock and keeps it past busyTimeoutMs.
      locker = new Database(databasePath);
      locker.exec('BEGIN EXCLUSIVE');
      platform.setDefaultReply({ kind: 'success' });
      const isLockError = (error: unknown) => {
        assert.ok(error instanceof SqliteStoreError, String(error));
        assert.equal(error.code, 'STORE_UNAVAILABLE');
        assert.match(error.sqliteCode ?? '', /^SQLITE_BUSY/);
        assert.ok(error.message.includes(databasePath), error.message);
        assert.match(error.message, /locked.*busyTimeoutMs \(50 ms\)/);
        return true;
      };
      await assert.rejects(
        notifier.notifyPaymentSuccess({
          order_id: 'refused-0',
          transaction_id: 't',
          order_type: 1,
        }),
        isLockError,
      );
      // Several at once (one group): all refused together, none waits busyTimeoutMs alone.
      const group = await Promise.allSettled(
        [1, 2, 3, 4, 5].map((i) =>
          notifier.notifyPaymentSuccess({
            order_id: `refused-${i}`,
            transaction_id: 't',
            order_type: 1,
          }),
        ),
      );
      for (const r of group) {
        assert.equal(r.status, 'rejected');
        isLockError(r.reason);
      }
      await new Promise((r) => setTimeout(r, 300)); // the notifier keeps trying meanwhile
      locker.exec('COMMIT');
      locker.close();
      locker = undefined;

      await eventually(
        () => states(store.db).delivered === orders.length,
        15_000,
        'the accepted notices delivered once the lock is gone',
      );
      for (const order of orders) {
        assert.ok(platform.noticesFor(order).some(answeredSuccess), order);
      }
      // Nothing refused was stored or sent.
      for (let i = 0; i <= 5; i++) {
        assert.equal(await store.findNoticeByOrder(APP_ID, `refused-${i}`), undefined);
        assert.equal(platform.noticesFor(`refused-${i}`).length, 0);
      }
      assert.ok(
        logger.lines.some(
          (l) => l.level === 'error' && String(l.meta?.error).includes(databasePath),
        ),
        'the failed claims were logged with the database path',
      );
      // And it accepts again.
      const id = await notifier.notifyPaymentSuccess({
        order_id: 'after-lock',
        transaction_id: 't',
        order_type: 1,
      });
      assert.equal((await notifier.waitForDelivery(id)).state, 'delivered');
    } finally {
      if (locker?.open) {
        locker.exec('ROLLBACK');
        locker.close();
      }
      await notifier.close();
      await store.close();
    }
  });

  it('refuses a group of inserts at once while locked, without waiting busyTimeoutMs for each', async () => {
    const databasePath = path.join(dir, 'group.sqlite');
    const store = new SqliteStore({ path: databasePath, busyTimeoutMs: 100 });
    const locker = new Database(databasePath);
    locker.exec('BEGIN EXCLUSIVE');
    try {
      const started = Date.now();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          store.insertNotice({
            id: `g-${i}`,
            appId: APP_ID,
            orderId: `g-${i}`,
            transactionId: 't',
            orderType: 1,
            url: platform.url,
            body: 'b',
            createdAt: started,
            nextAttemptAt: started,
          }),
        ),
      );
      const elapsed = Date.now() - started;
      assert.ok(
        results.every((r) => r.status === 'rejected' && r.reason instanceof SqliteStoreError),
      );
      // One wait for the group (100 ms), not eleven (the group, then each insert alone).
      assert.ok(elapsed < 600, `10 inserts refused in ${elapsed} ms`);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    assert.deepEqual(await store.listNotices(), []);
    await store.close();
  });

  it('rejects notices on a read-only database and says so; refuses a path that cannot be created', async () => {
    const databasePath = path.join(dir, 'readonly.sqlite');
    await new SqliteStore({ path: databasePath }).close();
    // chmod does not stop root: the store is opened read-only instead, as SQLite would be on
    // a read-only file for an ordinary user.
    const store = new SqliteStore({ path: databasePath, readonly: true });
    const notifier = createNotifier({
      appId: APP_ID,
      md5Key: MD5_KEY,
      notifyUrl: platform.url,
      store,
      logger,
      pollIntervalMs: 20,
    });
    try {
      await assert.rejects(
        notifier.notifyPaymentSuccess({ order_id: 'ro-1', transaction_id: 't', order_type: 1 }),
        (error: unknown) => {
          assert.ok(error instanceof SqliteStoreError, String(error));
          assert.match(error.sqliteCode ?? '', /^SQLITE_READONLY/);
          assert.ok(error.message.includes(databasePath), error.message);
          assert.match(error.message, /read-only/);
          return true;
        },
      );
      assert.deepEqual(await store.listNotices(), []);
    } finally {
      await notifier.close();
      await store.close();
    }
    assert.equal(platform.notices.length, 0);

    // A database path under a regular file: no directory can be made there, even by root.
    const file = path.join(dir, 'not-a-directory');
    writeFileSync(file, 'x');
    const impossible = path.join(file, 'outbox.sqlite');
    assert.throws(
      () => createNotifier({ appId: APP_ID, md5Key: MD5_KEY, databasePath: impossible, logger }),
      (error: unknown) => {
        assert.ok(error instanceof SqliteStoreError, String(error));
        assert.ok(error.message.includes(impossible), error.message);
        assert.match(error.message, /directory cannot be created/);
        assertNoSecrets(error.message);
        return true;
      },
    );
  });
});
