import assert from 'node:assert/strict';
import type { NewNotice, NoticeAttempt, NoticeStore } from '../../lib/stores/notice-store';

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

/** The behaviour every NoticeStore must have, run against each implementation. */
export function noticeStoreContract(
  make: () => Promise<{ store: NoticeStore; dispose: () => Promise<void> }>,
): void {
  let store: NoticeStore;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ store, dispose } = await make());
  });
  afterEach(async () => {
    await dispose();
  });

  it('inserts a notice once per app and order, returning the existing one after', async () => {
    const first = await store.insertNotice(newNotice({ id: 'a' }));
    assert.equal(first.inserted, true);
    assert.equal(first.notice.state, 'pending');
    assert.equal(first.notice.attemptCount, 0);
    const again = await store.insertNotice(newNotice({ id: 'b', transactionId: 'tx-2' }));
    assert.equal(again.inserted, false);
    assert.equal(again.notice.id, 'a');
    assert.equal(again.notice.transactionId, 'tx-1');
    const otherApp = await store.insertNotice(newNotice({ id: 'c', appId: 'app2' }));
    assert.equal(otherApp.inserted, true);
    assert.equal((await store.findNoticeByOrder('app2', 'order-1'))?.id, 'c');
    assert.equal(await store.getNotice('b'), undefined);
  });

  it('claims only due notices with a free lease, and only once until the lease ends', async () => {
    await store.insertNotice(newNotice({ id: 'due', orderId: 'o1', nextAttemptAt: 1000 }));
    await store.insertNotice(newNotice({ id: 'later', orderId: 'o2', nextAttemptAt: 5000 }));
    const claimed = await store.claimDue(1000, 10, 500, 'owner-a');
    assert.deepEqual(
      claimed.map((c) => c.notice.id),
      ['due'],
    );
    assert.equal(claimed[0]?.notice.leaseOwner, 'owner-a');
    assert.equal(claimed[0]?.notice.leaseUntil, 1500);
    assert.deepEqual(await store.claimDue(1200, 10, 500, 'owner-b'), []);
    assert.equal(await store.nextDueAt(), 1500);
    // The lease ran out (its owner died): another owner may take it over.
    const takeover = await store.claimDue(1500, 10, 500, 'owner-b');
    assert.deepEqual(
      takeover.map((c) => c.notice.id),
      ['due'],
    );
    // The first owner's token is no longer good.
    const [first] = claimed;
    assert.ok(first);
    assert.equal(
      await store.recordAttempt('due', first.token, attempt(), { state: 'dead' }, 1600),
      false,
    );
  });

  it('respects the claim limit, oldest due first', async () => {
    for (let i = 0; i < 5; i++) {
      await store.insertNotice(
        newNotice({ id: `n${i}`, orderId: `o${i}`, nextAttemptAt: 1000 - i }),
      );
    }
    const claimed = await store.claimDue(1000, 2, 100, 'x');
    assert.deepEqual(
      claimed.map((c) => c.notice.id),
      ['n4', 'n3'],
    );
  });

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
    assert.equal(notice?.lastError, 'order not found');
    assert.equal(notice?.leaseOwner, undefined);
    assert.equal(await store.nextDueAt(), 2000);
    // The token is spent once used.
    assert.equal(
      await store.recordAttempt('a', claim.token, attempt(), { state: 'dead' }, 1020),
      false,
    );

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

  it('requeues a dead notice only, keeping its history', async () => {
    await store.insertNotice(newNotice({ id: 'a' }));
    const [claim] = await store.claimDue(1000, 1, 100, 'o1');
    assert.ok(claim);
    await store.recordAttempt('a', claim.token, attempt(), { state: 'dead' }, 1010);
    assert.deepEqual(
      (await store.listNotices({ state: 'dead' })).map((n) => n.id),
      ['a'],
    );
    assert.deepEqual(await store.claimDue(5000, 1, 100, 'o1'), []);
    const requeued = await store.requeueNotice('a', 5000);
    assert.equal(requeued?.state, 'pending');
    assert.equal(requeued?.nextAttemptAt, 5000);
    assert.equal(requeued?.attemptsBeforeRequeue, 1);
    assert.equal((await store.getNotice('a'))?.history.length, 1);
    assert.equal((await store.claimDue(5000, 1, 100, 'o1')).length, 1);
    assert.equal(await store.requeueNotice('missing', 5000), undefined);
  });

  it('releases a claim so the notice can be claimed again at once', async () => {
    await store.insertNotice(newNotice({ id: 'a' }));
    const [claim] = await store.claimDue(1000, 1, 60_000, 'o1');
    assert.ok(claim);
    assert.equal(await store.releaseClaim('a', 'wrong-token'), false);
    assert.equal(await store.releaseClaim('a', claim.token), true);
    assert.equal((await store.claimDue(1001, 1, 60_000, 'o2')).length, 1);
  });

  it('lists notices by state and app', async () => {
    await store.insertNotice(newNotice({ id: 'a', orderId: 'o1', createdAt: 1 }));
    await store.insertNotice(newNotice({ id: 'b', orderId: 'o2', appId: 'app2', createdAt: 2 }));
    assert.deepEqual(
      (await store.listNotices()).map((n) => n.id),
      ['a', 'b'],
    );
    assert.deepEqual(
      (await store.listNotices({ appId: 'app2' })).map((n) => n.id),
      ['b'],
    );
    assert.deepEqual(
      (await store.listNotices({ limit: 1 })).map((n) => n.id),
      ['a'],
    );
    assert.deepEqual(await store.listNotices({ state: 'delivered' }), []);
  });
}
