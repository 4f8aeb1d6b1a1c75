import assert from 'node:assert/strict';
import path from 'node:path';
import { createNotifier, type Notifier } from '../../lib/notifier';
import { SqliteStore } from '../../lib/stores/sqlite-store';
import { type MockPlatform, startMockPlatform } from '../../lib/testing/mock-platform';
import { MemoryLogger } from '../helpers/manual-clock';
import { makeTempDir } from '../helpers/temp-dir';

describe('two notifiers sharing one SQLite database', () => {
  let cleanup: () => void;
  let platform: MockPlatform;
  const stores: SqliteStore[] = [];
  const notifiers: Notifier[] = [];

  beforeEach(async () => {
    const temp = makeTempDir();
    cleanup = temp.cleanup;
    platform = await startMockPlatform({ apps: { app1: { md5Key: 'shared-key' } } });
    for (const name of ['a', 'b']) {
      // Each its own connection, as two processes would have.
      const store = new SqliteStore({ path: path.join(temp.dir, 'shared.sqlite') });
      stores.push(store);
      notifiers.push(
        createNotifier({
          appId: 'app1',
          md5Key: 'shared-key',
          notifyUrl: platform.url,
          store,
          logger: new MemoryLogger(),
          instanceId: name,
          pollIntervalMs: 5,
          concurrency: 3,
        }),
      );
    }
  });

  afterEach(async () => {
    for (const n of notifiers.splice(0)) await n.close();
    for (const s of stores.splice(0)) await s.close();
    await platform.close();
    cleanup();
  });

  it('delivers each notice exactly once, whichever instance accepted or sends it', async () => {
    const [a, b] = notifiers as [Notifier, Notifier];
    const orders = Array.from({ length: 24 }, (_, i) => `order-${i}`);
    // Accepted alternately by both, while both loops poll and claim from the same table.
    const ids = await Promise.all(
      orders.map((order_id, i) =>
        (i % 2 === 0 ? a : b).notifyPaymentSuccess({
          order_id,
          transaction_id: `tx-${i}`,
          order_type: 3,
        }),
      ),
    );
    // Either instance sees the delivery, even one made by the other (it polls the store).
    const delivered = await Promise.all(
      ids.map((id, i) => (i % 2 === 0 ? b : a).waitForDelivery(id)),
    );
    for (const order of orders) assert.equal(platform.noticesFor(order).length, 1, order);
    assert.equal(platform.notices.length, 24);
    for (const notice of delivered) assert.equal(notice.attemptCount, 1);
    const senders = new Set(delivered.map((n) => n.history[0]?.owner));
    assert.ok([...senders].every((s) => s === 'a' || s === 'b'));
  });

  it('deduplicates an order accepted by both instances', async () => {
    const [a, b] = notifiers as [Notifier, Notifier];
    const input = { order_id: 'same', transaction_id: 'tx', order_type: 1 };
    const [x, y] = await Promise.all([
      a.notifyPaymentSuccess(input),
      b.notifyPaymentSuccess(input),
    ]);
    assert.equal(x, y);
    await a.waitForDelivery(x);
    assert.equal(platform.noticesFor('same').length, 1);
  });
});
