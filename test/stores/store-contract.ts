import assert from 'node:assert/strict';
import type {
  NewNotice,
  NoticeAttempt,
  NoticeRecord,
  NoticeStore,
} from '../../lib/stores/notice-store';
import type { RefundOutcome, RefundStore } from '../../lib/stores/refund-store';

/** Both store interfaces, as one storage exposes them. */
export interface StoreHandles {
  notices: NoticeStore;
  refunds: RefundStore;
}

/** One storage under test, made fresh for each test. */
export interface StoreUnderTest extends StoreHandles {
  /**
   * Another handle on the same storage, as a second process would have it (another SQLite
   * connection, another PostgreSQL pool); the same objects for an in-memory store.
   */
  peer(): Promise<StoreHandles>;
  /** Closes every handle and removes the storage. */
  dispose(): Promise<void>;
}

export function newNotice(overrides: Partial<NewNotice> = {}): NewNotice {
  return {
    id: `n-${Math.random().toString(36).slice(2)}`,
    appId: 'app1',
    orderId: 'order-1',
    transactionId: 'tx-1',
    orderType: 1,
    url: 'http://127.0.0.1:9/notify',
    body: 'app_id=app1&data=%7B%7D&sign=x&sign_type=MD5',
    createdAt: 1000,
    nextAttemptAt: 1000,
    ...overrides,
  };
}

export function attempt(overrides: Partial<NoticeAttempt> = {}): NoticeAttempt {
  return {
    number: 1,
    startedAt: 1000,
    finishedAt: 1010,
    outcome: 'rejected',
    httpStatus: 200,
    detail: 'order not found',
    owner: 'o1',
    ...overrides,
  };
}

const ids = (records: { notice: NoticeRecord }[] | NoticeRecord[]) =>
  records.map((r) => ('notice' in r ? r.notice.id : r.id));

/**
 * The behaviour the TSDoc of `NoticeStore` and `RefundStore` promises, run unchanged against
 * every implementation. `make` is called before each test.
 */
export function storeContract(make: () => Promise<StoreUnderTest>): void {
  let subject: StoreUnderTest | undefined;
  let store: NoticeStore;
  let refunds: RefundStore;
  beforeEach(async () => {
    subject = await make();
    store = subject.notices;
    refunds = subject.refunds;
  });
  afterEach(async () => {
    await subject?.dispose();
    subject = undefined;
  });
  const peer = () => {
    assert.ok(subject);
    return subject.peer();
  };

  /** Claims `id` (due at 1000) and records one attempt moving it to `next`. */
  async function attemptOnce(
    id: string,
    next: Parameters<NoticeStore['recordAttempt']>[3],
    at = 1000,
  ) {
    const claims = await store.claimDue(at, 100, 100, 'o1');
    const claim = claims.find((c) => c.notice.id === id);
    assert.ok(claim, `${id} is claimable at ${at}`);
    for (const c of claims) if (c !== claim) await store.releaseClaim(c.notice.id, c.token);
    assert.equal(await store.recordAttempt(id, claim.token, attempt(), next, at + 10), true);
  }

  describe('NoticeStore.insertNotice', () => {
    it('stores a new notice pending, with no attempt, lease or error', async () => {
      const notice = newNotice({ id: 'a', createdAt: 1000, nextAttemptAt: 1500 });
      const { inserted, notice: stored } = await store.insertNotice(notice);
      assert.equal(inserted, true);
      const expected: NoticeRecord = {
        ...notice,
        state: 'pending',
        attemptCount: 0,
        attemptsBeforeRequeue: 0,
        updatedAt: 1000,
      };
      assert.deepEqual(stored, expected);
      assert.deepEqual(await store.getNotice('a'), { ...expected, history: [] });
      assert.deepEqual(await store.findNoticeByOrder('app1', 'order-1'), expected);
    });

    it('inserts once per app and order, returning the existing one after', async () => {
      const first = await store.insertNotice(newNotice({ id: 'a' }));
      assert.equal(first.inserted, true);
      const again = await store.insertNotice(newNotice({ id: 'b', transactionId: 'tx-2' }));
      assert.equal(again.inserted, false);
      assert.equal(again.notice.id, 'a');
      assert.equal(again.notice.transactionId, 'tx-1');
      assert.equal(await store.getNotice('b'), undefined);
      const otherApp = await store.insertNotice(newNotice({ id: 'c', appId: 'app2' }));
      assert.equal(otherApp.inserted, true);
      assert.equal((await store.findNoticeByOrder('app2', 'order-1'))?.id, 'c');
      assert.equal((await store.findNoticeByOrder('app1', 'order-1'))?.id, 'a');
      assert.equal((await store.insertNotice(newNotice({ id: 'a' }))).inserted, false);
    });

    it('lets one of many concurrent inserts of one order win, from any handle', async () => {
      const other = await peer();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? other.notices : store).insertNotice(newNotice({ id: `c${i}` })),
        ),
      );
      assert.equal(results.filter((r) => r.inserted).length, 1);
      const winner = results.find((r) => r.inserted)?.notice.id;
      assert.ok(results.every((r) => r.notice.id === winner));
      assert.equal((await store.listNotices()).length, 1);
    });

    it('keeps real epoch milliseconds and any text exactly, as numbers and strings', async () => {
      const t = 1_764_098_765_432; // beyond 2^32: a bigint column, returned as a number
      const notice = newNotice({
        id: 'ü-1',
        orderId: '订单-42',
        transactionId: '4200000303201904231234567890',
        orderType: 3,
        body: `app_id=app1&data=${encodeURIComponent('{"order_id":"订单-42"}')}&sign=&sign_type=PKCS%237`,
        createdAt: t,
        nextAttemptAt: t + 15_000,
      });
      await store.insertNotice(notice);
      const stored = await store.getNotice('ü-1');
      assert.equal(stored?.createdAt, t);
      assert.equal(typeof stored?.nextAttemptAt, 'number');
      assert.equal(stored?.nextAttemptAt, t + 15_000);
      assert.equal(stored?.body, notice.body);
      assert.equal(stored?.orderType, 3);
      assert.equal(await store.nextDueAt(), t + 15_000);
    });
  });

  describe('NoticeStore.getNotice and findNoticeByOrder', () => {
    it('answer undefined for what is not there', async () => {
      assert.equal(await store.getNotice('missing'), undefined);
      assert.equal(await store.findNoticeByOrder('app1', 'missing'), undefined);
      await store.insertNotice(newNotice({ id: 'a' }));
      assert.equal(await store.findNoticeByOrder('other-app', 'order-1'), undefined);
    });

    it('give every attempt, oldest first, with its fields as recorded', async () => {
      await store.insertNotice(newNotice({ id: 'a' }));
      const [first] = await store.claimDue(1000, 1, 100, 'inst-a');
      assert.ok(first);
      const timeout: NoticeAttempt = {
        number: 1,
        startedAt: 1000,
        finishedAt: 1100,
        outcome: 'timeout',
        detail: 'no answer in 100 ms',
        owner: 'inst-a',
      };
      await store.recordAttempt(
        'a',
        first.token,
        timeout,
        { state: 'pending', nextAttemptAt: 2000 },
        1100,
      );
      const [second] = await store.claimDue(2000, 1, 100, 'inst-b');
      assert.ok(second);
      const status: NoticeAttempt = {
        number: 2,
        startedAt: 2000,
        finishedAt: 2050,
        outcome: 'http-error',
        httpStatus: 503,
        detail: 'Service Unavailable',
        owner: 'inst-b',
      };
      await store.recordAttempt(
        'a',
        second.token,
        status,
        { state: 'pending', nextAttemptAt: 3000 },
        2050,
      );
      const notice = await store.getNotice('a');
      assert.deepEqual(notice?.history, [timeout, status]);
      assert.equal(notice?.attemptCount, 2);
      assert.equal(notice?.lastError, 'Service Unavailable');
      assert.equal(notice?.updatedAt, 2050);
    });
  });

  describe('NoticeStore.claimDue', () => {
    it('claims only due notices with a free lease, and only once until the lease ends', async () => {
      await store.insertNotice(newNotice({ id: 'due', orderId: 'o1', nextAttemptAt: 1000 }));
      await store.insertNotice(newNotice({ id: 'later', orderId: 'o2', nextAttemptAt: 5000 }));
      const claimed = await store.claimDue(1000, 10, 500, 'owner-a');
      assert.deepEqual(ids(claimed), ['due']);
      assert.equal(claimed[0]?.notice.leaseOwner, 'owner-a');
      assert.equal(claimed[0]?.notice.leaseUntil, 1500);
      assert.equal(typeof claimed[0]?.token, 'string');
      const stored = await store.getNotice('due');
      assert.equal(stored?.leaseOwner, 'owner-a');
      assert.equal(stored?.leaseUntil, 1500);
      assert.deepEqual(await store.claimDue(1200, 10, 500, 'owner-b'), []);
      assert.deepEqual(await store.claimDue(1499, 10, 500, 'owner-b'), []);
      assert.equal(await store.nextDueAt(), 1500);
      // The lease ran out (its owner died): another owner takes it over.
      const takeover = await store.claimDue(1500, 10, 500, 'owner-b');
      assert.deepEqual(ids(takeover), ['due']);
      assert.equal(takeover[0]?.notice.leaseOwner, 'owner-b');
      assert.equal(takeover[0]?.notice.leaseUntil, 2000);
      assert.notEqual(takeover[0]?.token, claimed[0]?.token);
      assert.equal(await store.nextDueAt(), 2000);
    });

    it('respects the limit, oldest due first', async () => {
      for (let i = 0; i < 5; i++) {
        await store.insertNotice(
          newNotice({ id: `n${i}`, orderId: `o${i}`, nextAttemptAt: 1000 - i }),
        );
      }
      assert.deepEqual(await store.claimDue(1000, 0, 100, 'x'), []);
      assert.deepEqual(ids(await store.claimDue(1000, 2, 100, 'x')), ['n4', 'n3']);
      assert.deepEqual(ids(await store.claimDue(1000, 10, 100, 'x')), ['n2', 'n1', 'n0']);
    });

    it('never claims a delivered or dead notice', async () => {
      await store.insertNotice(newNotice({ id: 'd', orderId: 'o1' }));
      await store.insertNotice(newNotice({ id: 'x', orderId: 'o2' }));
      await attemptOnce('d', { state: 'delivered' });
      const [claim] = await store.claimDue(1020, 10, 100, 'o1');
      assert.equal(claim?.notice.id, 'x');
      await store.recordAttempt('x', claim.token, attempt(), { state: 'dead' }, 1030);
      assert.deepEqual(await store.claimDue(99_999, 10, 100, 'o1'), []);
      assert.equal(await store.nextDueAt(), undefined);
    });

    it('claims each notice once among many concurrent callers on several handles', async () => {
      const other = await peer();
      const count = 40;
      for (let i = 0; i < count; i++) {
        await store.insertNotice(newNotice({ id: `n${i}`, orderId: `o${i}` }));
      }
      const claimed: string[] = [];
      const tokens = new Map<string, string>();
      for (let round = 0; round < 20 && claimed.length < count; round++) {
        const batches = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            (i % 2 ? other.notices : store).claimDue(1000, 3, 60_000, `owner-${i}`),
          ),
        );
        for (const batch of batches) {
          for (const c of batch) {
            claimed.push(c.notice.id);
            tokens.set(c.notice.id, c.token);
          }
        }
      }
      assert.equal(claimed.length, count);
      assert.equal(new Set(claimed).size, count);
      // Every claim is good with its own token, from either handle.
      const recorded = await Promise.all(
        [...tokens].map(([id, token], i) =>
          (i % 2 ? other.notices : store).recordAttempt(
            id,
            token,
            attempt(),
            { state: 'delivered' },
            1100,
          ),
        ),
      );
      assert.ok(recorded.every(Boolean));
      assert.equal((await store.listNotices({ state: 'delivered' })).length, count);
    });

    it('lets exactly one of many concurrent callers take over an expired lease', async () => {
      const other = await peer();
      await store.insertNotice(newNotice({ id: 'a' }));
      assert.equal((await store.claimDue(1000, 1, 100, 'dead-owner')).length, 1);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? other.notices : store).claimDue(1100, 5, 100, `owner-${i}`),
        ),
      );
      assert.equal(results.flat().length, 1);
    });
  });

  describe('NoticeStore.recordAttempt', () => {
    it('records attempts with history and moves the notice on', async () => {
      await store.insertNotice(newNotice({ id: 'a' }));
      const [claim] = await store.claimDue(1000, 1, 100, 'o1');
      assert.ok(claim);
      assert.equal(
        await store.recordAttempt(
          'a',
          claim.token,
          attempt(),
          { state: 'pending', nextAttemptAt: 2000 },
          1010,
        ),
        true,
      );
      let notice = await store.getNotice('a');
      assert.equal(notice?.state, 'pending');
      assert.equal(notice?.attemptCount, 1);
      assert.equal(notice?.nextAttemptAt, 2000);
      assert.equal(notice?.updatedAt, 1010);
      assert.equal(notice?.lastError, 'order not found');
      assert.equal(notice?.leaseOwner, undefined);
      assert.equal(notice?.leaseUntil, undefined);
      assert.equal(await store.nextDueAt(), 2000);
      assert.deepEqual(await store.claimDue(1999, 1, 100, 'o1'), []);

      const [second] = await store.claimDue(2000, 1, 100, 'o1');
      assert.ok(second);
      await store.recordAttempt(
        'a',
        second.token,
        attempt({ number: 2, outcome: 'delivered', detail: 'SUCCESS', startedAt: 2000 }),
        { state: 'delivered' },
        2005,
      );
      notice = await store.getNotice('a');
      assert.equal(notice?.state, 'delivered');
      assert.equal(notice?.deliveredAt, 2005);
      assert.equal(notice?.attemptCount, 2);
      // A delivery keeps the last error; the due time stays what it was.
      assert.equal(notice?.lastError, 'order not found');
      assert.equal(notice?.nextAttemptAt, 2000);
      assert.deepEqual(
        notice?.history.map((h) => [h.number, h.outcome, h.httpStatus]),
        [
          [1, 'rejected', 200],
          [2, 'delivered', 200],
        ],
      );
      assert.equal(await store.nextDueAt(), undefined);
      assert.deepEqual(await store.claimDue(9999, 10, 100, 'o1'), []);
    });

    it('spends the token: a second record with it changes nothing', async () => {
      await store.insertNotice(newNotice({ id: 'a' }));
      const [claim] = await store.claimDue(1000, 1, 100, 'o1');
      assert.ok(claim);
      const next = { state: 'pending' as const, nextAttemptAt: 2000 };
      assert.equal(await store.recordAttempt('a', claim.token, attempt(), next, 1010), true);
      assert.equal(
        await store.recordAttempt('a', claim.token, attempt(), { state: 'dead' }, 1020),
        false,
      );
      const notice = await store.getNotice('a');
      assert.equal(notice?.state, 'pending');
      assert.equal(notice?.attemptCount, 1);
      assert.equal(notice?.history.length, 1);
    });

    it('records once when the same claim is recorded twice at the same moment', async () => {
      const other = await peer();
      await store.insertNotice(newNotice({ id: 'a' }));
      const [claim] = await store.claimDue(1000, 1, 100, 'o1');
      assert.ok(claim);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? other.notices : store).recordAttempt(
            'a',
            claim.token,
            attempt(),
            { state: 'pending', nextAttemptAt: 2000 },
            1010,
          ),
        ),
      );
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await store.getNotice('a'))?.history.length, 1);
    });

    it('refuses a wrong token, a token whose lease was taken over, and a released claim', async () => {
      await store.insertNotice(newNotice({ id: 'a' }));
      const [first] = await store.claimDue(1000, 1, 100, 'o1');
      assert.ok(first);
      assert.equal(
        await store.recordAttempt('a', 'not-the-token', attempt(), { state: 'dead' }, 1010),
        false,
      );
      assert.equal(
        await store.recordAttempt('missing', first.token, attempt(), { state: 'dead' }, 1010),
        false,
      );
      // Lease expired, taken over by another owner: the first token is void.
      const [second] = await store.claimDue(1100, 1, 100, 'o2');
      assert.ok(second);
      assert.equal(
        await store.recordAttempt('a', first.token, attempt(), { state: 'dead' }, 1150),
        false,
      );
      assert.equal(await store.releaseClaim('a', first.token), false);
      // Released: the token is void too.
      assert.equal(await store.releaseClaim('a', second.token), true);
      assert.equal(
        await store.recordAttempt('a', second.token, attempt(), { state: 'dead' }, 1160),
        false,
      );
      const notice = await store.getNotice('a');
      assert.equal(notice?.state, 'pending');
      assert.equal(notice?.attemptCount, 0);
      assert.deepEqual(notice?.history, []);
    });

    it('accepts a record after the lease ran out as long as nobody took the notice over', async () => {
      await store.insertNotice(newNotice({ id: 'a' }));
      const [claim] = await store.claimDue(1000, 1, 100, 'o1');
      assert.ok(claim);
      assert.equal(
        await store.recordAttempt('a', claim.token, attempt(), { state: 'delivered' }, 5000),
        true,
      );
    });

    it('numbers attempts 1, 2, 3… in the order recorded, across a requeue', async () => {
      await store.insertNotice(newNotice({ id: 'a' }));
      for (let i = 0; i < 2; i++) {
        const [claim] = await store.claimDue(1000 + i * 1000, 1, 100, 'o1');
        assert.ok(claim);
        // The caller's number is not trusted: NoticeAttempt.number is "1 for the first attempt".
        await store.recordAttempt(
          'a',
          claim.token,
          attempt({ number: 9 }),
          i === 0 ? { state: 'pending', nextAttemptAt: 2000 } : { state: 'dead' },
          1010 + i * 1000,
        );
      }
      await store.requeueNotice('a', 5000);
      const [claim] = await store.claimDue(5000, 1, 100, 'o1');
      assert.ok(claim);
      await store.recordAttempt(
        'a',
        claim.token,
        attempt({ number: 1 }),
        { state: 'delivered' },
        5010,
      );
      const notice = await store.getNotice('a');
      assert.deepEqual(
        notice?.history.map((h) => h.number),
        [1, 2, 3],
      );
      assert.equal(notice?.attemptCount, 3);
      assert.equal(notice?.attemptsBeforeRequeue, 2);
    });
  });

  describe('NoticeStore.releaseClaim', () => {
    it('gives a claim back so the notice can be claimed again at once', async () => {
      await store.insertNotice(newNotice({ id: 'a' }));
      const [claim] = await store.claimDue(1000, 1, 60_000, 'o1');
      assert.ok(claim);
      assert.equal(await store.releaseClaim('a', 'wrong-token'), false);
      assert.equal(await store.releaseClaim('missing', claim.token), false);
      assert.equal(await store.releaseClaim('a', claim.token), true);
      assert.equal(await store.releaseClaim('a', claim.token), false);
      const released = await store.getNotice('a');
      assert.equal(released?.leaseOwner, undefined);
      assert.equal(released?.leaseUntil, undefined);
      assert.equal(released?.attemptCount, 0);
      assert.equal(released?.state, 'pending');
      assert.equal(await store.nextDueAt(), 1000);
      const [again] = await store.claimDue(1001, 1, 60_000, 'o2');
      assert.equal(again?.notice.leaseOwner, 'o2');
    });

    it('refuses a claim already spent by an attempt', async () => {
      await store.insertNotice(newNotice({ id: 'a' }));
      const [claim] = await store.claimDue(1000, 1, 100, 'o1');
      assert.ok(claim);
      await store.recordAttempt('a', claim.token, attempt(), { state: 'delivered' }, 1010);
      assert.equal(await store.releaseClaim('a', claim.token), false);
      assert.equal((await store.getNotice('a'))?.state, 'delivered');
    });
  });

  describe('NoticeStore.requeueNotice', () => {
    it('puts a dead notice back, due now, keeping its history', async () => {
      await store.insertNotice(newNotice({ id: 'a' }));
      await attemptOnce('a', { state: 'dead' });
      assert.deepEqual(ids(await store.listNotices({ state: 'dead' })), ['a']);
      assert.deepEqual(await store.claimDue(5000, 1, 100, 'o1'), []);
      const requeued = await store.requeueNotice('a', 5000);
      assert.equal(requeued?.state, 'pending');
      assert.equal(requeued?.nextAttemptAt, 5000);
      assert.equal(requeued?.updatedAt, 5000);
      assert.equal(requeued?.attemptsBeforeRequeue, 1);
      assert.equal(requeued?.attemptCount, 1);
      assert.deepEqual(await store.getNotice('a'), {
        ...requeued,
        history: (await store.getNotice('a'))?.history,
      });
      assert.equal((await store.getNotice('a'))?.history.length, 1);
      assert.equal(await store.nextDueAt(), 5000);
      assert.equal((await store.claimDue(5000, 1, 100, 'o1')).length, 1);
    });

    it('leaves a pending or delivered notice as it is, and answers undefined for none', async () => {
      await store.insertNotice(newNotice({ id: 'p', orderId: 'o1' }));
      await store.insertNotice(newNotice({ id: 'd', orderId: 'o2' }));
      await attemptOnce('d', { state: 'delivered' });
      const pending = await store.getNotice('p');
      const delivered = await store.getNotice('d');
      const { history: _p, ...pendingRecord } = pending ?? { history: [] };
      const { history: _d, ...deliveredRecord } = delivered ?? { history: [] };
      assert.deepEqual(await store.requeueNotice('p', 9000), pendingRecord);
      assert.deepEqual(await store.requeueNotice('d', 9000), deliveredRecord);
      assert.deepEqual(await store.getNotice('d'), delivered);
      assert.equal(await store.requeueNotice('missing', 9000), undefined);
    });
  });

  describe('NoticeStore.nextDueAt', () => {
    it('is the soonest of each pending notice’s due time or lease end, whichever is later', async () => {
      assert.equal(await store.nextDueAt(), undefined);
      await store.insertNotice(newNotice({ id: 'a', orderId: 'o1', nextAttemptAt: 3000 }));
      await store.insertNotice(newNotice({ id: 'b', orderId: 'o2', nextAttemptAt: 2000 }));
      assert.equal(await store.nextDueAt(), 2000);
      // b claimed until 2000 + 5000: a (due at 3000) is now the soonest.
      assert.equal((await store.claimDue(2000, 1, 5000, 'x')).length, 1);
      assert.equal(await store.nextDueAt(), 3000);
    });
  });

  describe('NoticeStore.listNotices', () => {
    it('lists by state and app, oldest first, 100 by default', async () => {
      await store.insertNotice(newNotice({ id: 'b', orderId: 'o2', appId: 'app2', createdAt: 2 }));
      await store.insertNotice(newNotice({ id: 'a', orderId: 'o1', createdAt: 1 }));
      await store.insertNotice(newNotice({ id: 'c', orderId: 'o3', createdAt: 3 }));
      assert.deepEqual(ids(await store.listNotices()), ['a', 'b', 'c']);
      assert.deepEqual(ids(await store.listNotices({ appId: 'app2' })), ['b']);
      assert.deepEqual(ids(await store.listNotices({ appId: 'app1', state: 'pending' })), [
        'a',
        'c',
      ]);
      assert.deepEqual(ids(await store.listNotices({ limit: 2 })), ['a', 'b']);
      assert.deepEqual(await store.listNotices({ state: 'delivered' }), []);
      assert.deepEqual(await store.listNotices({ appId: 'nobody' }), []);
      const [claim] = await store.claimDue(1000, 1, 100, 'o1');
      assert.ok(claim);
      await store.recordAttempt(claim.notice.id, claim.token, attempt(), { state: 'dead' }, 1010);
      assert.deepEqual(ids(await store.listNotices({ state: 'dead' })), [claim.notice.id]);
      assert.deepEqual(await store.listNotices({ state: 'dead' }), [
        (({ history: _h, ...rest }) => rest)(
          (await store.getNotice(claim.notice.id)) ?? { history: [] },
        ),
      ]);
    });

    it('returns at most 100 notices unless asked for more', async () => {
      for (let i = 0; i < 105; i++) {
        await store.insertNotice(newNotice({ id: `n${i}`, orderId: `o${i}`, createdAt: i }));
      }
      const listed = await store.listNotices();
      assert.equal(listed.length, 100);
      assert.equal(listed[0]?.id, 'n0');
      assert.equal((await store.listNotices({ limit: 500 })).length, 105);
    });
  });

  describe('RefundStore', () => {
    it('lets exactly one of many concurrent callers on several handles claim a refund', async () => {
      const other = await peer();
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? other.refunds : refunds).claimRefund('app:r1', 'fp', 1000, 5000),
        ),
      );
      assert.equal(claims.filter((c) => c.claimed).length, 1);
      for (const refused of claims) {
        if (refused.claimed) continue;
        assert.equal(refused.record.key, 'app:r1');
        assert.equal(refused.record.state, 'pending');
        assert.equal(refused.record.fingerprint, 'fp');
        assert.equal(refused.record.leaseUntil, 6000);
        assert.equal(refused.record.createdAt, 1000);
        assert.equal(refused.record.outcome, undefined);
      }
    });

    it('completes a claim and then answers with the outcome, byte for byte', async () => {
      const claim = await refunds.claimRefund('k', 'fp', 1000, 5000);
      assert.ok(claim.claimed);
      const outcome: RefundOutcome = {
        kind: 'refunded',
        data: { refund_id: 'R1', zeta: 1, alpha: 'é', nested: { b: 2, a: [1, 2.5] } },
      };
      assert.equal(await refunds.completeRefund('k', 'not-the-token', outcome, 1100), false);
      assert.equal(await refunds.completeRefund('k', claim.token, outcome, 1100), true);
      const again = await refunds.claimRefund('k', 'fp', 99_000, 5000);
      assert.ok(!again.claimed);
      assert.equal(again.record.state, 'done');
      assert.deepEqual(again.record.outcome, outcome);
      // Replayed answers are signed over their JSON text: key order must survive.
      assert.equal(JSON.stringify(again.record.outcome), JSON.stringify(outcome));
      assert.equal(again.record.updatedAt, 1100);
      assert.deepEqual(await refunds.getRefund('k'), again.record);
    });

    it('keeps a refused outcome too, and never claims a done refund again', async () => {
      const claim = await refunds.claimRefund('k', 'fp', 1000, 5000);
      assert.ok(claim.claimed);
      const outcome = { kind: 'refused' as const, code: 'NO_MONEY', message: 'balance too low' };
      await refunds.completeRefund('k', claim.token, outcome, 1100);
      assert.deepEqual((await refunds.getRefund('k'))?.outcome, outcome);
      const later = await refunds.claimRefund('k', 'other-fp', 10_000_000, 5000);
      assert.ok(!later.claimed);
      assert.equal(later.record.fingerprint, 'fp');
    });

    it('releases a claim so the next caller runs the handler again', async () => {
      const other = await peer();
      const claim = await refunds.claimRefund('k', 'fp', 1000, 5000);
      assert.ok(claim.claimed);
      assert.equal(await refunds.releaseRefund('k', 'not-the-token'), false);
      assert.equal(await refunds.releaseRefund('k', claim.token), true);
      assert.equal(await refunds.getRefund('k'), undefined);
      assert.equal(await refunds.releaseRefund('k', claim.token), false);
      const next = await other.refunds.claimRefund('k', 'fp', 1200, 5000);
      assert.ok(next.claimed);
      assert.equal((await refunds.getRefund('k'))?.createdAt, 1200);
      assert.equal(
        await refunds.completeRefund('k', claim.token, { kind: 'refunded', data: {} }, 1300),
        false,
      );
    });

    it('lets one caller take over a pending claim whose lease ran out, and voids the old token', async () => {
      const other = await peer();
      const first = await refunds.claimRefund('k', 'fp', 1000, 5000);
      assert.ok(first.claimed);
      assert.equal((await refunds.claimRefund('k', 'fp', 5999, 5000)).claimed, false);
      const takeovers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? other.refunds : refunds).claimRefund('k', 'fp', 6000, 5000),
        ),
      );
      assert.equal(takeovers.filter((c) => c.claimed).length, 1);
      const second = takeovers.find((c) => c.claimed);
      assert.ok(second?.claimed);
      assert.notEqual(second.token, first.token);
      const pending = await refunds.getRefund('k');
      assert.equal(pending?.leaseUntil, 11_000);
      assert.equal(pending?.updatedAt, 6000);
      const outcome = { kind: 'refunded' as const, data: {} };
      assert.equal(await refunds.completeRefund('k', first.token, outcome, 6100), false);
      assert.equal(await refunds.releaseRefund('k', first.token), false);
      assert.equal(await refunds.completeRefund('k', second.token, outcome, 6100), true);
      const record = await refunds.getRefund('k');
      assert.equal(record?.createdAt, 1000);
      assert.equal(record?.state, 'done');
      assert.deepEqual(record?.outcome, outcome);
    });

    it('lets the claim holder complete after its lease ran out if nobody took over', async () => {
      const claim = await refunds.claimRefund('k', 'fp', 1000, 100);
      assert.ok(claim.claimed);
      assert.equal(
        await refunds.completeRefund('k', claim.token, { kind: 'refunded', data: {} }, 9000),
        true,
      );
    });

    it('keeps refunds apart by key, and has no record for an unknown key', async () => {
      assert.equal(await refunds.getRefund('nope'), undefined);
      const a = await refunds.claimRefund('["app1","r1"]', 'fp-a', 1000, 5000);
      const b = await refunds.claimRefund('["app2","r1"]', 'fp-b', 1000, 5000);
      assert.ok(a.claimed && b.claimed);
      assert.equal((await refunds.getRefund('["app2","r1"]'))?.fingerprint, 'fp-b');
    });
  });
}
