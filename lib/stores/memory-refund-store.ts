import { randomUUID } from 'node:crypto';
import type { RefundClaim, RefundOutcome, RefundRecord, RefundStore } from './refund-store';

/** Options of {@link MemoryRefundStore}. */
export interface MemoryRefundStoreOptions {
  /**
   * How long a finished refund is remembered, in milliseconds. The platform retries within
   * minutes; a day is plenty and keeps memory bounded.
   * @default 86_400_000 (24 hours)
   */
  retentionMs?: number;
}

interface Entry {
  record: RefundRecord;
  token: string;
}

/**
 * Refund records in this process's memory: for tests and single-process apps that accept
 * forgetting refunds on restart. Use a durable store in production.
 */
export class MemoryRefundStore implements RefundStore {
  private readonly entries = new Map<string, Entry>();
  private readonly retentionMs: number;
  private lastPrune = 0;

  constructor(options: MemoryRefundStoreOptions = {}) {
    this.retentionMs = options.retentionMs ?? 86_400_000;
  }

  async claimRefund(
    key: string,
    fingerprint: string,
    now: number,
    leaseMs: number,
  ): Promise<RefundClaim> {
    this.prune(now);
    const existing = this.entries.get(key);
    if (existing && !(existing.record.state === 'pending' && existing.record.leaseUntil <= now)) {
      return { claimed: false, record: { ...existing.record } };
    }
    const token = randomUUID();
    this.entries.set(key, {
      token,
      record: {
        key,
        fingerprint,
        state: 'pending',
        leaseUntil: now + leaseMs,
        createdAt: existing?.record.createdAt ?? now,
        updatedAt: now,
      },
    });
    return { claimed: true, token };
  }

  async completeRefund(
    key: string,
    token: string,
    outcome: RefundOutcome,
    now: number,
  ): Promise<boolean> {
    const entry = this.entries.get(key);
    if (!entry || entry.token !== token) return false;
    entry.record = { ...entry.record, state: 'done', outcome, updatedAt: now };
    return true;
  }

  async releaseRefund(key: string, token: string): Promise<boolean> {
    const entry = this.entries.get(key);
    if (!entry || entry.token !== token) return false;
    this.entries.delete(key);
    return true;
  }

  async getRefund(key: string): Promise<RefundRecord | undefined> {
    const entry = this.entries.get(key);
    return entry && { ...entry.record };
  }

  /** Forgets finished refunds older than the retention, at most once a minute. */
  private prune(now: number): void {
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    for (const [key, { record }] of this.entries) {
      if (record.state === 'done' && now - record.updatedAt > this.retentionMs) {
        this.entries.delete(key);
      }
    }
  }
}
