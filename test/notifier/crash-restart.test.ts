import assert from 'node:assert/strict';
import path from 'node:path';
import { buildNoticeBody, createNotifier } from '../../lib/notifier';
import { SqliteStore } from '../../lib/stores/sqlite-store';
import { type MockPlatform, startMockPlatform } from '../../lib/testing/mock-platform';
import { type Child, spawnChild } from '../helpers/child';
import { eventually, MemoryLogger } from '../helpers/manual-clock';
import { makeTempDir } from '../helpers/temp-dir';

describe('notifier across processes', function () {
  // Spawning node with tsx takes a second or two on a slow machine.
  this.timeout(30_000);

  let dir: string;
  let cleanup: () => void;
  let platform: MockPlatform;
  let child: Child | undefined;
  const others: Child[] = [];
  beforeEach(async () => {
    ({ dir, cleanup } = makeTempDir());
    platform = await startMockPlatform({ apps: { app1: { md5Key: 'child-md5-key' } } });
  });
  afterEach(async () => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    child = undefined;
    for (const other of others.splice(0)) {
      if (other.process.exitCode === null && other.process.signalCode === null) {
        other.process.kill('SIGKILL');
        await other.exited;
      }
    }
    await platform.close();
    cleanup();
  });

  it('delivers after a SIGKILL the notices accepted before it, and resends the one in flight', async () => {
    const databasePath = path.join(dir, 'outbox.sqlite');
    platform.script({ kind: 'hang' });
    child = spawnChild({
      ZHICHI_MODE: 'crash',
      ZHICHI_DB: databasePath,
      ZHICHI_URL: platform.url,
      ZHICHI_ORDERS: 'order-a,order-b,order-c',
    });
    const accepted = await child.report('accepted');
    const ids = accepted.ids as string[];
    assert.equal(ids.length, 3);
    const [inFlight] = await platform.waitForRequests(1, 15_000);
    assert.equal(inFlight?.valid, true);
    child.process.kill('SIGKILL');
    assert.equal((await child.exited).signal, 'SIGKILL');

    // What the dead process left: one notice leased (mid-attempt, nothing recorded), two waiting.
    const store = new SqliteStore({ path: databasePath });
    const left = await store.listNotices();
    assert.deepEqual(
      left.map((n) => [n.state, n.attemptCount]),
      [
        ['pending', 0],
        ['pending', 0],
        ['pending', 0],
      ],
    );
    const leased = left.filter((n) => n.leaseOwner !== undefined);
    assert.equal(leased.length, 1);
    assert.equal(leased[0]?.leaseOwner, accepted.instance);
    assert.equal(leased[0]?.orderId, inFlight?.data?.order_id);

    // A new process (here: this one) on the same file, its clock past the dead lease.
    const notifier = createNotifier({
      appId: 'app1',
      md5Key: 'child-md5-key',
      notifyUrl: platform.url,
      store,
      logger: new MemoryLogger(),
      clock: { now: () => Date.now() + 60_000 },
    });
    try {
      for (const id of ids) {
        const notice = await notifier.waitForDelivery(id);
        assert.equal(notice.attemptCount, 1);
      }
    } finally {
      await notifier.close();
      await store.close();
    }
    // At least once: the order in flight at the crash was sent again; the others once.
    for (const order of ['order-a', 'order-b', 'order-c']) {
      const expected: number = order === inFlight?.data?.order_id ? 2 : 1;
      assert.equal(platform.noticesFor(order).length, expected, order);
    }
  });

  it('lets two processes on one database send each notice exactly once', async () => {
    const databasePath = path.join(dir, 'shared.sqlite');
    const store = new SqliteStore({ path: databasePath });
    const env = { ZHICHI_MODE: 'share', ZHICHI_DB: databasePath, ZHICHI_URL: platform.url };
    const children = [spawnChild(env), spawnChild(env)];
    others.push(...children);
    const instances = await Promise.all(children.map((c) => c.report('ready')));
    // Queued here, straight into the outbox both processes are polling.
    const orders = Array.from({ length: 30 }, (_, i) => `shared-${i}`);
    const now = Date.now();
    for (const [i, orderId] of orders.entries()) {
      const fields = { orderId, transactionId: `tx-${i}`, orderType: 1 as const };
      await store.insertNotice({
        id: `id-${i}`,
        appId: 'app1',
        ...fields,
        url: platform.url,
        body: buildNoticeBody('app1', fields, { mode: 'MD5', md5Key: 'child-md5-key' }),
        createdAt: now,
        nextAttemptAt: now,
      });
    }
    await eventually(
      async () => (await store.listNotices({ state: 'delivered' })).length === orders.length,
      15_000,
      'all notices delivered',
    );
    for (const c of children) c.process.kill('SIGTERM');
    const exits = await Promise.all(children.map((c) => c.exited));
    assert.deepEqual(exits, [
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    for (const orderId of orders) assert.equal(platform.noticesFor(orderId).length, 1, orderId);
    const senders = new Set<string>();
    for (const n of await store.listNotices({ limit: 100 })) {
      const history = (await store.getNotice(n.id))?.history ?? [];
      assert.equal(history.length, 1);
      senders.add(history[0]?.owner ?? '');
    }
    const known = new Set(instances.map((r) => r.instance as string));
    assert.ok([...senders].every((s) => known.has(s)));
    await store.close();
  });

  it('exits on its own once close() returns, with a retry still scheduled', async () => {
    platform.script({ kind: 'success' }, { kind: 'error', message: 'FAIL' });
    child = spawnChild({
      ZHICHI_MODE: 'close',
      ZHICHI_DB: path.join(dir, 'close.sqlite'),
      ZHICHI_URL: platform.url,
      ZHICHI_ORDERS: 'order-x,order-y',
    });
    const closed = await child.report('closed');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      child.exited,
      new Promise<'still running'>((r) => {
        timer = setTimeout(() => r('still running'), 5000);
      }),
    ]);
    clearTimeout(timer);
    assert.deepEqual(exit, { code: 0, signal: null }, child.stderr());
    assert.ok(typeof closed.at === 'number');
    assert.equal(platform.noticesFor('order-y').length, 1);
  });
});
