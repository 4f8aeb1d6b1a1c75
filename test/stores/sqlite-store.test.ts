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
