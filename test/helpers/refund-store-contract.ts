import assert from 'node:assert/strict';
import type { RefundStore } from '../../lib/stores/refund-store';

/** The claim/complete/release semantics documented in refund-store.ts, for any RefundStore. */
export function refundStoreContract(
  make: () => Promise<{ store: RefundStore; dispose: () => Promise<void> }>,
): void {
  let store: RefundStore;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ store, dispose } = await make());
  });
  afterEach(async () => {
    await dispose();
  });

  it('lets exactly one of many concurrent callers claim a refund', async () => {
    const claims = await Promise.all(
      Array.from({ length: 10 }, () => store.claimRefund('app:r1', 'fp', 1000, 5000)),
    );
    assert.equal(claims.filter((c) => c.claimed).length, 1);
    const refused = claims.find((c) => !c.claimed);
    assert.ok(refused && !refused.claimed);
    assert.equal(refused.record.state, 'pending');
    assert.equal(refused.record.fingerprint, 'fp');
    assert.equal(refused.record.leaseUntil, 6000);
  });

  it('completes a claim and then answers with the outcome', async () => {
    const claim = await store.claimRefund('k', 'fp', 1000, 5000);
    assert.ok(claim.claimed);
    const outcome = { kind: 'refunded' as const, data: { refund_id: 'R1' } };
    assert.equal(await store.completeRefund('k', 'not-the-token', outcome, 1100), false);
    assert.equal(await store.completeRefund('k', claim.token, outcome, 1100), true);
    const again = await store.claimRefund('k', 'fp', 99_000, 5000);
    assert.ok(!again.claimed);
    assert.equal(again.record.state, 'done');
    assert.deepEqual(again.record.outcome, outcome);
    assert.equal(again.record.updatedAt, 1100);
    assert.deepEqual(await store.getRefund('k'), again.record);
  });

  it('keeps a refused outcome too', async () => {
    const claim = await store.claimRefund('k', 'fp', 1000, 5000);
    assert.ok(claim.claimed);
    const outcome = { kind: 'refused' as const, code: 'NO_MONEY', message: 'balance too low' };
    await store.completeRefund('k', claim.token, outcome, 1100);
    assert.deepEqual((await store.getRefund('k'))?.outcome, outcome);
  });

  it('releases a claim so the next caller runs the handler again', async () => {
    const claim = await store.claimRefund('k', 'fp', 1000, 5000);
    assert.ok(claim.claimed);
    assert.equal(await store.releaseRefund('k', 'not-the-token'), false);
    assert.equal(await store.releaseRefund('k', claim.token), true);
    assert.equal(await store.getRefund('k'), undefined);
    assert.equal((await store.claimRefund('k', 'fp', 1200, 5000)).claimed, true);
  });

  it('lets a caller take over a pending claim whose lease ran out, and voids the old token', async () => {
    const first = await store.claimRefund('k', 'fp', 1000, 5000);
    assert.ok(first.claimed);
    assert.equal((await store.claimRefund('k', 'fp', 5999, 5000)).claimed, false);
    const second = await store.claimRefund('k', 'fp', 6000, 5000);
    assert.ok(second.claimed);
    assert.notEqual(second.token, first.token);
    const outcome = { kind: 'refunded' as const, data: {} };
    assert.equal(await store.completeRefund('k', first.token, outcome, 6100), false);
    assert.equal(await store.releaseRefund('k', first.token), false);
    assert.equal(await store.completeRefund('k', second.token, outcome, 6100), true);
    const record = await store.getRefund('k');
    assert.equal(record?.createdAt, 1000);
    assert.equal(record?.state, 'done');
  });

  it('has no record for an unknown key', async () => {
    assert.equal(await store.getRefund('nope'), undefined);
  });
}
