import assert from 'node:assert/strict';
import path from 'node:path';
import { createNotifier } from '../../lib/notifier';
import { SqliteStore } from '../../lib/stores/sqlite-store';
import { type MockPlatform, startMockPlatform } from '../../lib/testing/mock-platform';
import { type Child, spawnChild } from '../helpers/child';
import { MemoryLogger } from '../helpers/manual-clock';
import { makeTempDir } from '../helpers/temp-dir';

describe('notifier across processes', function () {
  // Spawning node with tsx takes a second or two on a slow machine.
  this.timeout(30_000);

  let dir: string;
  let cleanup: () => void;
  let platform: MockPlatform;
  let child: Child | undefined;
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
