import assert from 'node:assert/strict';
import { MemoryRefundStore } from '../../lib/index';

const KEY = '["app","refund-1"]';
const FP = '["order","tx",10]';
const T0 = 1_700_000_000_000;
const LEASE = 60_000;

describe('MemoryRefundStore', () => {
  it('gives the first claim and refuses the next while it is pending', async () => {
    const store = new MemoryRefundStore();
    const first = await store.claimRefund(KEY, FP, T0, LEASE);
    assert.equal(first.claimed, true);
    const second = await store.claimRefund(KEY, FP, T0 + 1, LEASE);
    assert.equal(second.claimed, false);
    assert.ok(!second.claimed);
    assert.equal(second.record.state, 'pending');
    assert.equal(second.record.fingerprint, FP);
    assert.equal(second.record.leaseUntil, T0 + LEASE);
    assert.equal(second.record.createdAt, T0);
  });

  it('gives exactly one of many concurrent claims', async () => {
    const store = new MemoryRefundStore();
    const claims = await Promise.all(
      Array.from({ length: 20 }, () => store.claimRefund(KEY, FP, T0, LEASE)),
    );
    assert.equal(claims.filter((c) => c.claimed).length, 1);
  });

  it('keeps different keys apart', async () => {
    const store = new MemoryRefundStore();
    assert.ok((await store.claimRefund(KEY, FP, T0, LEASE)).claimed);
    assert.ok((await store.claimRefund('["app","refund-2"]', FP, T0, LEASE)).claimed);
  });

  it('completes a claim with its token, and answers the outcome to later claims', async () => {
    const store = new MemoryRefundStore();
    const claim = await store.claimRefund(KEY, FP, T0, LEASE);
    assert.ok(claim.claimed);
    const outcome = { kind: 'refunded', data: { refund_id: 'R1' } } as const;
    assert.equal(await store.completeRefund(KEY, claim.token, outcome, T0 + 5), true);
    const record = await store.getRefund(KEY);
    assert.equal(record?.state, 'done');
    assert.deepEqual(record?.outcome, outcome);
    assert.equal(record?.updatedAt, T0 + 5);
    // Done is done: even long after the lease, nobody claims it again.
    const later = await store.claimRefund(KEY, FP, T0 + LEASE * 10, LEASE);
    assert.ok(!later.claimed);
    assert.equal(later.record.state, 'done');
    assert.deepEqual(later.record.outcome, outcome);
  });

  it('refuses to complete or release with a wrong token or an unknown key', async () => {
    const store = new MemoryRefundStore();
    const claim = await store.claimRefund(KEY, FP, T0, LEASE);
    assert.ok(claim.claimed);
    const outcome = { kind: 'refused', code: 'BUSINESS_ERROR', message: 'no' } as const;
    assert.equal(await store.completeRefund(KEY, 'not-the-token', outcome, T0), false);
    assert.equal(await store.releaseRefund(KEY, 'not-the-token'), false);
    assert.equal(await store.completeRefund('other', claim.token, outcome, T0), false);
    assert.equal(await store.releaseRefund('other', claim.token), false);
    assert.equal((await store.getRefund(KEY))?.state, 'pending');
  });

  it('forgets a released claim so the next claim succeeds', async () => {
    const store = new MemoryRefundStore();
    const claim = await store.claimRefund(KEY, FP, T0, LEASE);
    assert.ok(claim.claimed);
    assert.equal(await store.releaseRefund(KEY, claim.token), true);
    assert.equal(await store.getRefund(KEY), undefined);
    const again = await store.claimRefund(KEY, FP, T0 + 1, LEASE);
    assert.ok(again.claimed);
    assert.notEqual(again.token, claim.token);
  });

  it('lets a pending claim be taken over once its lease has run out, and not before', async () => {
    const store = new MemoryRefundStore();
    const dead = await store.claimRefund(KEY, FP, T0, LEASE);
    assert.ok(dead.claimed);
    assert.equal((await store.claimRefund(KEY, FP, T0 + LEASE - 1, LEASE)).claimed, false);
    const takeover = await store.claimRefund(KEY, FP, T0 + LEASE, LEASE);
    assert.ok(takeover.claimed);
    const record = await store.getRefund(KEY);
    assert.equal(record?.createdAt, T0, 'the record keeps its creation time');
    assert.equal(record?.leaseUntil, T0 + 2 * LEASE);
    // The dead owner's token no longer counts.
    const outcome = { kind: 'refunded', data: {} } as const;
    assert.equal(await store.completeRefund(KEY, dead.token, outcome, T0 + LEASE + 1), false);
    assert.equal(await store.releaseRefund(KEY, dead.token), false);
    assert.equal(await store.completeRefund(KEY, takeover.token, outcome, T0 + LEASE + 1), true);
  });

  it('hands out copies, so callers cannot change its records', async () => {
    const store = new MemoryRefundStore();
    await store.claimRefund(KEY, FP, T0, LEASE);
    const record = await store.getRefund(KEY);
    assert.ok(record);
    record.state = 'done';
    assert.equal((await store.getRefund(KEY))?.state, 'pending');
  });

  it('forgets finished refunds after the retention, but never pending ones', async () => {
    const store = new MemoryRefundStore({ retentionMs: 1000 });
    const done = await store.claimRefund(KEY, FP, T0, LEASE);
    assert.ok(done.claimed);
    await store.completeRefund(KEY, done.token, { kind: 'refunded', data: {} }, T0);
    const pendingKey = '["app","refund-pending"]';
    await store.claimRefund(pendingKey, FP, T0, 10 * 60_000);
    // Pruning runs at most once a minute, on a claim.
    await store.claimRefund('["app","x"]', FP, T0 + 120_000, LEASE);
    assert.equal(await store.getRefund(KEY), undefined);
    assert.equal((await store.getRefund(pendingKey))?.state, 'pending');
  });

  it('remembers finished refunds within the retention', async () => {
    const store = new MemoryRefundStore({ retentionMs: 86_400_000 });
    const claim = await store.claimRefund(KEY, FP, T0, LEASE);
    assert.ok(claim.claimed);
    await store.completeRefund(KEY, claim.token, { kind: 'refunded', data: {} }, T0);
    const later = await store.claimRefund(KEY, FP, T0 + 3_600_000, LEASE);
    assert.equal(later.claimed, false);
  });
});
