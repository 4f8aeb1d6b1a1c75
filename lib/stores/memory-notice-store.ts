import { randomUUID } from 'node:crypto';
import type {
  ClaimedNotice,
  NewNotice,
  NoticeAttempt,
  NoticeQuery,
  NoticeRecord,
  NoticeStore,
  NoticeTransition,
  NoticeWithHistory,
} from './notice-store';

interface Entry {
  record: NoticeRecord;
  history: NoticeAttempt[];
  token?: string;
}

/**
 * Notices in this process's memory: for tests only. Everything is lost when the process
 * ends, which breaks the notifier's promise; use {@link SqliteStore} (the default) in production.
 */
export class MemoryNoticeStore implements NoticeStore {
  private readonly entries = new Map<string, Entry>();
  private readonly byOrder = new Map<string, string>();

  async insertNotice(notice: NewNotice): Promise<{ inserted: boolean; notice: NoticeRecord }> {
    const orderKey = `${notice.appId}\u0000${notice.orderId}`;
    const existingId = this.byOrder.get(orderKey);
    const existing = existingId === undefined ? undefined : this.entries.get(existingId);
    if (existing) return { inserted: false, notice: { ...existing.record } };
    const record: NoticeRecord = {
      ...notice,
      state: 'pending',
      attemptCount: 0,
      attemptsBeforeRequeue: 0,
      updatedAt: notice.createdAt,
    };
    this.entries.set(notice.id, { record, history: [] });
    this.byOrder.set(orderKey, notice.id);
    return { inserted: true, notice: { ...record } };
  }

  async getNotice(id: string): Promise<NoticeWithHistory | undefined> {
    const entry = this.entries.get(id);
    return entry && { ...entry.record, history: entry.history.map((a) => ({ ...a })) };
  }

  async findNoticeByOrder(appId: string, orderId: string): Promise<NoticeRecord | undefined> {
    const id = this.byOrder.get(`${appId}\u0000${orderId}`);
    const entry = id === undefined ? undefined : this.entries.get(id);
    return entry && { ...entry.record };
  }

  async claimDue(
    now: number,
    limit: number,
    leaseMs: number,
    owner: string,
  ): Promise<ClaimedNotice[]> {
    const due = [...this.entries.values()]
      .filter(
        ({ record }) =>
          record.state === 'pending' &&
          record.nextAttemptAt <= now &&
          (record.leaseUntil === undefined || record.leaseUntil <= now),
      )
      .sort((a, b) => a.record.nextAttemptAt - b.record.nextAttemptAt)
      .slice(0, Math.max(0, limit));
    return due.map((entry) => {
      const token = randomUUID();
      entry.token = token;
      entry.record = { ...entry.record, leaseOwner: owner, leaseUntil: now + leaseMs };
      return { notice: { ...entry.record }, token };
    });
  }

  async recordAttempt(
    id: string,
    token: string,
    attempt: NoticeAttempt,
    next: NoticeTransition,
    now: number,
  ): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry || entry.token !== token || entry.record.state !== 'pending') return false;
    // Numbered by the store, as SqliteStore does: NoticeAttempt.number is "1 for the first
    // attempt" whatever number the caller passed (the store contract found this difference).
    entry.history.push({ ...attempt, number: entry.record.attemptCount + 1 });
    const { leaseOwner: _o, leaseUntil: _u, ...rest } = entry.record;
    entry.record = {
      ...rest,
      state: next.state,
      attemptCount: entry.record.attemptCount + 1,
      updatedAt: now,
      nextAttemptAt: next.state === 'pending' ? next.nextAttemptAt : entry.record.nextAttemptAt,
      ...(next.state === 'delivered' ? { deliveredAt: now } : {}),
      ...(attempt.outcome === 'delivered' ? {} : { lastError: attempt.detail }),
    };
    entry.token = undefined;
    return true;
  }

  async releaseClaim(id: string, token: string): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry || entry.token !== token) return false;
    const { leaseOwner: _o, leaseUntil: _u, ...rest } = entry.record;
    entry.record = rest;
    entry.token = undefined;
    return true;
  }

  async requeueNotice(id: string, now: number): Promise<NoticeRecord | undefined> {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.record.state === 'dead') {
      entry.record = {
        ...entry.record,
        state: 'pending',
        nextAttemptAt: now,
        attemptsBeforeRequeue: entry.record.attemptCount,
        updatedAt: now,
      };
    }
    return { ...entry.record };
  }

  async nextDueAt(): Promise<number | undefined> {
    let next: number | undefined;
    for (const { record } of this.entries.values()) {
      if (record.state !== 'pending') continue;
      const at = Math.max(record.nextAttemptAt, record.leaseUntil ?? 0);
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  async listNotices(query: NoticeQuery = {}): Promise<NoticeRecord[]> {
    return [...this.entries.values()]
      .map((e) => e.record)
      .filter(
        (r) =>
          (query.state === undefined || r.state === query.state) &&
          (query.appId === undefined || r.appId === query.appId),
      )
      .sort((a, b) => a.createdAt - b.createdAt)
      .slice(0, query.limit ?? 100)
      .map((r) => ({ ...r }));
  }
}
