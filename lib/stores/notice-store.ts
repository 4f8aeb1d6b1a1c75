/** Where a payment-success notice stands. */
export type NoticeState =
  /** Waiting for its next attempt (or being attempted, when its lease is live). */
  | 'pending'
  /** The platform answered `SUCCESS`. */
  | 'delivered'
  /** Every retry failed: a dead letter, sent again only when re-queued by hand. */
  | 'dead';

/** How one attempt ended. */
export type NoticeAttemptOutcome =
  /** The platform answered `SUCCESS`. */
  | 'delivered'
  /** The platform answered HTTP 2xx with another body: its error message. */
  | 'rejected'
  /** The platform answered an HTTP status other than 2xx. */
  | 'http-error'
  /** No answer within the timeout. */
  | 'timeout'
  /** The connection failed (refused, reset, DNS…). */
  | 'network-error';

/** One attempt to deliver a notice, as recorded. */
export interface NoticeAttempt {
  /** 1 for the first attempt. */
  number: number;
  startedAt: number;
  finishedAt: number;
  outcome: NoticeAttemptOutcome;
  /** The HTTP status, when there was an answer. */
  httpStatus?: number;
  /** The platform's body (cut to 1000 characters) or the error's message. */
  detail: string;
  /** Which notifier instance made it. */
  owner: string;
}

/** A notice as the notifier hands it to a store: everything needed to send it, from anywhere. */
export interface NewNotice {
  /** Unique id, chosen by the notifier. */
  id: string;
  appId: string;
  orderId: string;
  transactionId: string;
  orderType: number;
  /** Where it is posted. */
  url: string;
  /**
   * The exact `application/x-www-form-urlencoded` body posted, signed or encrypted once at
   * acceptance, so every attempt (by any instance) sends the same bytes.
   */
  body: string;
  createdAt: number;
  /** When the first attempt is due (epoch ms). */
  nextAttemptAt: number;
}

/** A notice as stored. Times are epoch milliseconds. */
export interface NoticeRecord extends NewNotice {
  state: NoticeState;
  /** Attempts made so far (the length of `history` in {@link NoticeWithHistory}). */
  attemptCount: number;
  /**
   * `attemptCount` when the notice was last re-queued by hand (0 if never): the retry schedule
   * starts over from there.
   */
  attemptsBeforeRequeue: number;
  updatedAt: number;
  /** Set once delivered. */
  deliveredAt?: number;
  /** The last failed attempt's detail, if any. */
  lastError?: string;
  /** While an instance is attempting it: who, and until when the lease holds. */
  leaseOwner?: string;
  leaseUntil?: number;
}

/** A notice with every attempt made, oldest first. */
export interface NoticeWithHistory extends NoticeRecord {
  history: NoticeAttempt[];
}

/** A notice claimed by {@link NoticeStore.claimDue}: only the `token` holder may record on it. */
export interface ClaimedNotice {
  notice: NoticeRecord;
  token: string;
}

/** What becomes of a notice after an attempt. */
export type NoticeTransition =
  | { state: 'delivered' }
  | { state: 'pending'; nextAttemptAt: number }
  | { state: 'dead' };

/** Which notices {@link NoticeStore.listNotices} returns. */
export interface NoticeQuery {
  state?: NoticeState;
  appId?: string;
  /** @default 100 */
  limit?: number;
}

/**
 * The notifier's durable outbox. Methods are async so that a networked database (PostgreSQL)
 * can implement it; every method must be atomic with respect to other processes using the
 * same storage.
 */
export interface NoticeStore {
  /**
   * Stores `notice` unless one for the same `appId` and `orderId` exists; returns the stored
   * one either way. Resolves only once the notice would survive a crash of the process.
   */
  insertNotice(notice: NewNotice): Promise<{ inserted: boolean; notice: NoticeRecord }>;
  /** The notice with this id and its attempts, if any. */
  getNotice(id: string): Promise<NoticeWithHistory | undefined>;
  /** The notice for this order, if any. */
  findNoticeByOrder(appId: string, orderId: string): Promise<NoticeRecord | undefined>;
  /**
   * Claims up to `limit` pending notices due at `now` whose lease is free or expired, oldest
   * due first, leasing them to `owner` until `now + leaseMs`. Of concurrent callers, in any
   * number of processes, only one claims a given notice.
   */
  claimDue(now: number, limit: number, leaseMs: number, owner: string): Promise<ClaimedNotice[]>;
  /**
   * Records `attempt` and moves the notice to `next`, both or neither, if the claim made with
   * `token` still holds. False (nothing recorded) when the claim was lost.
   */
  recordAttempt(
    id: string,
    token: string,
    attempt: NoticeAttempt,
    next: NoticeTransition,
    now: number,
  ): Promise<boolean>;
  /** Gives a claim back without an attempt (the instance is stopping). False if it was lost. */
  releaseClaim(id: string, token: string): Promise<boolean>;
  /**
   * Puts a dead notice back to pending, due at `now`, keeping its history, so that the retry
   * schedule starts over. Returns the notice as it now stands, or `undefined` if there is no
   * such notice. A pending or delivered notice is left as it is.
   */
  requeueNotice(id: string, now: number): Promise<NoticeRecord | undefined>;
  /**
   * The earliest time at or after which {@link claimDue} could claim something: the soonest
   * pending notice's due time or lease end, whichever is later. Undefined when none is pending.
   */
  nextDueAt(): Promise<number | undefined>;
  /** Notices matching `query`, oldest first. */
  listNotices(query?: NoticeQuery): Promise<NoticeRecord[]>;
}
