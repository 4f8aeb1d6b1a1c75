import type { NoticeAttempt, NoticeRecord, NoticeState } from './notice-store';
import type { RefundOutcome, RefundRecord } from './refund-store';

// The rows of the SQL stores (SQLite and PostgreSQL share one table layout) and how they map
// to records. Epoch-millisecond columns are `bigint`: SQLite gives them as numbers,
// node-postgres as strings (a bigint may exceed 2^53; epoch milliseconds never do).
export type Int8 = string | number;

/** An epoch-millisecond column as a number. */
export const num = (value: Int8): number => Number(value);

export interface NoticeRow<T extends Int8 = Int8> {
  id: string;
  app_id: string;
  order_id: string;
  transaction_id: string;
  order_type: number;
  url: string;
  body: string;
  state: NoticeState;
  attempt_count: number;
  attempts_before_requeue: number;
  next_attempt_at: T;
  lease_owner: string | null;
  lease_token: string | null;
  lease_until: T | null;
  created_at: T;
  updated_at: T;
  delivered_at: T | null;
  last_error: string | null;
}

export interface AttemptRow<T extends Int8 = Int8> {
  number: number;
  started_at: T;
  finished_at: T;
  outcome: NoticeAttempt['outcome'];
  http_status: number | null;
  detail: string;
  owner: string;
}

export interface RefundRow<T extends Int8 = Int8> {
  key: string;
  fingerprint: string;
  state: 'pending' | 'done';
  outcome: string | null;
  token: string;
  lease_until: T;
  created_at: T;
  updated_at: T;
}

export function toNotice(row: NoticeRow): NoticeRecord {
  const notice: NoticeRecord = {
    id: row.id,
    appId: row.app_id,
    orderId: row.order_id,
    transactionId: row.transaction_id,
    orderType: row.order_type,
    url: row.url,
    body: row.body,
    state: row.state,
    attemptCount: row.attempt_count,
    attemptsBeforeRequeue: row.attempts_before_requeue,
    nextAttemptAt: num(row.next_attempt_at),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
  if (row.delivered_at !== null) notice.deliveredAt = num(row.delivered_at);
  if (row.last_error !== null) notice.lastError = row.last_error;
  if (row.lease_owner !== null) notice.leaseOwner = row.lease_owner;
  if (row.lease_until !== null) notice.leaseUntil = num(row.lease_until);
  return notice;
}

export function toAttempt(row: AttemptRow): NoticeAttempt {
  const attempt: NoticeAttempt = {
    number: row.number,
    startedAt: num(row.started_at),
    finishedAt: num(row.finished_at),
    outcome: row.outcome,
    detail: row.detail,
    owner: row.owner,
  };
  if (row.http_status !== null) attempt.httpStatus = row.http_status;
  return attempt;
}

export function toRefund(row: RefundRow): RefundRecord {
  const record: RefundRecord = {
    key: row.key,
    fingerprint: row.fingerprint,
    state: row.state,
    leaseUntil: num(row.lease_until),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
  if (row.outcome !== null) record.outcome = JSON.parse(row.outcome) as RefundOutcome;
  return record;
}
