/**
 * What a refund came to, remembered so that the platform asking for the same refund again
 * gets the same answer without the merchant's refund handler running twice.
 */
export type RefundOutcome =
  /** The handler refunded; `data` is the JSON object answered (`{ refund_id }` or `{}`). */
  | { kind: 'refunded'; data: Record<string, unknown> }
  /** The handler refused with a business error; answered as status 42200 with `message`. */
  | { kind: 'refused'; code: string; message: string };

/** One refund's idempotency record, keyed by `app_id` and `refund_order_id`. */
export interface RefundRecord {
  key: string;
  /** What identifies the refund's content, so a reused `refund_order_id` is caught. */
  fingerprint: string;
  state: 'pending' | 'done';
  /** Set once `state` is `done`. */
  outcome?: RefundOutcome;
  /** While `pending`: the claim may be taken over after this time (epoch ms). */
  leaseUntil: number;
  createdAt: number;
  updatedAt: number;
}

/** The answer to {@link RefundStore.claimRefund}. */
export type RefundClaim =
  /** This caller owns the refund now and must complete or release it with `token`. */
  | { claimed: true; token: string }
  /** Somebody else has it, pending or done. */
  | { claimed: false; record: RefundRecord };

/**
 * Storage of refund idempotency records. Implementations must make `claimRefund` atomic:
 * of any number of concurrent callers (in one process or many), exactly one gets
 * `claimed: true`.
 */
export interface RefundStore {
  /**
   * Claims `key`: succeeds when there is no record, or when a pending record's lease has run
   * out (its owner presumably died). Otherwise returns the record as it stands.
   */
  claimRefund(key: string, fingerprint: string, now: number, leaseMs: number): Promise<RefundClaim>;
  /** Records the outcome of a claim still held with `token`; false if the claim was lost. */
  completeRefund(key: string, token: string, outcome: RefundOutcome, now: number): Promise<boolean>;
  /**
   * Drops a claim held with `token` (the handler failed unexpectedly), so that the
   * platform's retry runs the handler again; false if the claim was lost.
   */
  releaseRefund(key: string, token: string): Promise<boolean>;
  /** The record for `key`, if any. */
  getRefund(key: string): Promise<RefundRecord | undefined>;
}

/**
 * The key the routers store a refund's record under: look a refund up with
 * `store.getRefund(refundStoreKey(appId, refundOrderId))`, e.g. to answer a refund query.
 */
export function refundStoreKey(appId: string, refundOrderId: string): string {
  return JSON.stringify([appId, refundOrderId]);
}
