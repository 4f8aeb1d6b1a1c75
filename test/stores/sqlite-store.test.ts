import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigurationError } from '../../lib/protocol/errors';
import { SqliteStore } from '../../lib/stores/sqlite-store';
import { makeTempDir } from '../helpers/temp-dir';
import { newNotice } from './store-contract';

// The NoticeStore and RefundStore behaviour is checked by the store contract (contract.test.ts).
describe('SqliteStore', () => {
  describe('on disk', () => {
    let dir: string;
    let cleanup: () => void;
    const open: SqliteStore[] = [];
    const openStore = () => {
      const store = new SqliteStore({ path: path.join(dir, 'shared.sqlite') });
      open.push(store);
      return store;
    };
    beforeEach(() => {
      ({ dir, cleanup } = makeTempDir());
    });
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
      cleanup();
    });

    it('uses WAL mode and a busy timeout', () => {
      const store = openStore();
      assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(store.db.pragma('busy_timeout', { simple: true }), 5000);
    });

    it('commits concurrent inserts as one group, deduplicating within it, and keeps them all', async () => {
      const first = openStore();
      let transactions = 0;
      const original = first.db.transaction.bind(first.db);
      first.db.transaction = ((fn: never) => {
        transactions++;
        return original(fn);
      }) as typeof first.db.transaction;
      const results = await Promise.all([
        ...Array.from({ length: 40 }, (_, i) =>
          first.insertNotice(newNotice({ id: `g${i}`, orderId: `o${i}` })),
        ),
        first.insertNotice(newNotice({ id: 'dup', orderId: 'o7' })),
      ]);
      assert.equal(transactions, 1, 'one transaction for the whole group');
      assert.equal(results.filter((r) => r.inserted).length, 40);
      assert.deepEqual(results[40], { inserted: false, notice: results[7]?.notice });
      await first.close();
      const again = openStore();
      assert.equal((await again.listNotices({ limit: 1000 })).length, 40);
    });

    it('commits inserts still queued when it is closed', async () => {
      const first = openStore();
      const pending = first.insertNotice(newNotice({ id: 'late' }));
      await first.close();
      assert.equal((await pending).inserted, true);
      assert.ok(await openStore().getNotice('late'));
    });

    it('keeps notices, attempts and refunds across a reopen', async () => {
      const first = openStore();
      await first.insertNotice(newNotice({ id: 'a' }));
      const [claim] = await first.claimDue(1000, 1, 100, 'x');
      assert.ok(claim);
      await first.recordAttempt(
        'a',
        claim.token,
        {
          number: 1,
          startedAt: 1000,
          finishedAt: 1001,
          outcome: 'timeout',
          detail: 'no answer in 10000 ms',
          owner: 'x',
        },
        { state: 'pending', nextAttemptAt: 2000 },
        1001,
      );
      const refund = await first.claimRefund('r', 'fp', 1000, 100);
      assert.ok(refund.claimed);
      await first.completeRefund('r', refund.token, { kind: 'refunded', data: {} }, 1001);
      await first.close();

      const second = openStore();
      const notice = await second.getNotice('a');
      assert.equal(notice?.attemptCount, 1);
      assert.equal(notice?.history[0]?.outcome, 'timeout');
      assert.equal(notice?.history[0]?.httpStatus, undefined);
      assert.equal((await second.getRefund('r'))?.state, 'done');
    });

    it('lets only one of two connections claim a due notice', async () => {
      const a = openStore();
      const b = openStore();
      for (let i = 0; i < 20; i++) {
        await a.insertNotice(newNotice({ id: `n${i}`, orderId: `o${i}` }));
      }
      const claimed: string[] = [];
      for (let round = 0; round < 10; round++) {
        const [x, y] = await Promise.all([
          a.claimDue(1000, 3, 60_000, 'a'),
          b.claimDue(1000, 3, 60_000, 'b'),
        ]);
        claimed.push(...x.map((c) => c.notice.id), ...y.map((c) => c.notice.id));
      }
      assert.equal(claimed.length, 20);
      assert.equal(new Set(claimed).size, 20);
    });

    it('claims and finds the next due notice through an index, not by reading every pending one', async () => {
      const store = openStore();
      await store.claimDue(Date.now(), 8, 60_000, 'me');
      await store.nextDueAt();
      const statements = (store as unknown as { statements: Map<string, unknown> }).statements;
      const plans = [...statements.keys()]
        .filter((text) => /lease_owner = \?, lease_token|MIN\(at\)/.test(text))
        .map((text) =>
          (
            store.db
              .prepare(`EXPLAIN QUERY PLAN ${text}`)
              .all(...Array.from(text.match(/\?/g) ?? [], () => 0)) as { detail: string }[]
          )
            .map((r) => r.detail)
            .join(' | '),
        );
      assert.equal(plans.length, 2);
      for (const plan of plans) {
        // Before: claims sorted every due row (a temp B-tree), nextDueAt scanned every pending
        // row; with 10,000 pending notices each cost milliseconds.
        assert.doesNotMatch(plan, /TEMP B-TREE|SCAN zhichi_notices/, plan);
      }
      assert.ok(
        plans.some((p) => p.includes('zhichi_notices_leased')),
        plans.join('\n'),
      );
    });

    it('refuses a missing path and a bad busy timeout naming the option', () => {
      assert.throws(
        () => new SqliteStore({ path: '' }),
        (e) => e instanceof ConfigurationError && /`path`/.test(e.message),
      );
      assert.throws(
        () => new SqliteStore({ path: path.join(dir, 'x.sqlite'), busyTimeoutMs: -1 }),
        (e) => e instanceof ConfigurationError && /busyTimeoutMs/.test(e.message),
      );
    });
  });
});
