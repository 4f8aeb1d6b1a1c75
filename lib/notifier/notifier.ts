import { randomUUID } from 'node:crypto';
import type {
  ClaimedNotice,
  NoticeAttempt,
  NoticeQuery,
  NoticeRecord,
  NoticeTransition,
  NoticeWithHistory,
} from '../stores/notice-store';
import { deliverNotice } from './deliver-notice';
import { NoticeDeadLetterError, NoticeNotFoundError, NotifierClosedError } from './notifier-errors';
import {
  type NotifierConfig,
  type NotifierOptions,
  resolveNotifierConfig,
} from './notifier-options';
import {
  buildNoticeBody,
  type PaymentSuccessInput,
  validatePaymentSuccess,
} from './payment-notice';
import { computeRetryDelay } from './retry-delay';

/** Options of {@link Notifier.waitForDelivery}. */
export interface WaitForDeliveryOptions {
  /** Stops waiting (rejecting with the signal's reason) when aborted. */
  signal?: AbortSignal;
}

/**
 * Sends payment-success notices to the platform through a durable outbox: a notice accepted
 * by {@link Notifier.notifyPaymentSuccess} is sent at least once, across crashes and restarts,
 * until the platform answers `SUCCESS` or the retry schedule runs out (a dead letter).
 * Create it with {@link createNotifier}; {@link Notifier.close} it on shutdown.
 */
export class Notifier {
  private readonly config: NotifierConfig;
  private closed = false;
  private closing?: Promise<void>;
  private timer: unknown;
  private pumping?: Promise<void>;
  private pumpAgain = false;
  /** Attempts being made and notices being accepted, awaited by close(). */
  private readonly inFlight = new Set<Promise<unknown>>();
  private attempting = 0;
  /** Who waits on which notice (waitForDelivery), woken when this instance records on it. */
  private readonly watchers = new Map<string, Set<() => void>>();

  constructor(options: NotifierOptions) {
    this.config = resolveNotifierConfig(options);
    // Look at the outbox at once: notices left by a previous run are due now.
    this.schedule(0);
  }

  /** The id naming this instance in leases and attempt history. */
  get instanceId(): string {
    return this.config.instanceId;
  }

  /**
   * Accepts a notice that the order `order_id` is paid. Resolves with the notice's id once it
   * is stored durably (it will then be sent, even if this process dies), not when the platform
   * answers: see {@link waitForDelivery}. For an order that already has a notice (pending,
   * delivered or dead), resolves with that notice's id and queues nothing.
   * Rejects with `ValidationError` for bad input and {@link NotifierClosedError} after close.
   */
  async notifyPaymentSuccess(input: PaymentSuccessInput): Promise<string> {
    if (this.closed)
      throw new NotifierClosedError('the notifier is closed; the notice was not accepted');
    const fields = validatePaymentSuccess(input);
    const { appId, sealer, notifyUrl, store, clock, logger } = this.config;
    const now = clock.now();
    const accepting = store.insertNotice({
      id: randomUUID(),
      appId,
      ...fields,
      url: notifyUrl,
      body: buildNoticeBody(appId, fields, sealer),
      createdAt: now,
      nextAttemptAt: now,
    });
    const { inserted, notice } = await this.track(accepting);
    if (inserted) {
      logger.info('payment-success notice accepted', this.describe(notice));
      this.kick();
    } else if (notice.transactionId !== fields.transactionId) {
      logger.warn(
        'payment-success notice for this order already exists with another transaction_id; not queued again',
        {
          ...this.describe(notice),
          refusedTransactionId: fields.transactionId,
        },
      );
    } else {
      logger.debug('payment-success notice for this order already exists', this.describe(notice));
    }
    return notice.id;
  }

  /** The notice with this id and every attempt made on it, or `undefined`. */
  async getNotice(id: string): Promise<NoticeWithHistory | undefined> {
    if (this.closed) throw new NotifierClosedError();
    return this.config.store.getNotice(id);
  }

  /** Notices in the store, oldest first; `{ state: 'dead' }` lists the dead letters. */
  async listNotices(query?: NoticeQuery): Promise<NoticeRecord[]> {
    if (this.closed) throw new NotifierClosedError();
    return this.config.store.listNotices(query);
  }

  /**
   * Resolves with the notice once the platform has answered `SUCCESS` to it (by this or any
   * instance sharing the store). Rejects with {@link NoticeDeadLetterError} if it becomes a
   * dead letter, {@link NoticeNotFoundError} for an unknown id, {@link NotifierClosedError}
   * when the notifier closes first.
   */
  async waitForDelivery(
    id: string,
    options: WaitForDeliveryOptions = {},
  ): Promise<NoticeWithHistory> {
    const { signal } = options;
    for (;;) {
      signal?.throwIfAborted();
      if (this.closed)
        throw new NotifierClosedError('the notifier closed before the notice was delivered');
      const notice = await this.config.store.getNotice(id);
      if (!notice) throw new NoticeNotFoundError(id);
      if (notice.state === 'delivered') return notice;
      if (notice.state === 'dead') throw new NoticeDeadLetterError(notice);
      await this.changeOf(id, signal);
    }
  }

  /**
   * Sends a dead letter again: it becomes pending, due now, and the retry schedule starts over
   * (its history is kept). A pending or delivered notice is left as it is. Resolves with the
   * notice as it now stands; rejects with {@link NoticeNotFoundError} for an unknown id.
   */
  async requeue(id: string): Promise<NoticeRecord> {
    if (this.closed) throw new NotifierClosedError();
    const notice = await this.track(this.config.store.requeueNotice(id, this.config.clock.now()));
    if (!notice) throw new NoticeNotFoundError(id);
    this.config.logger.info('payment-success notice re-queued', this.describe(notice));
    this.kick();
    return notice;
  }

  /**
   * Stops: accepts no more notices, clears its timer, waits for attempts under way to be
   * recorded, ends every `waitForDelivery`, and closes the store it opened itself. Pending
   * notices stay in the store for the next start. Safe to call more than once.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) this.config.timers.clearTimeout(this.timer);
    this.timer = undefined;
    for (const wake of [...this.watchers.values()].flatMap((set) => [...set])) wake();
    await this.pumping;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    if (this.config.ownsStore) {
      await (this.config.store as { close?: () => Promise<void> }).close?.();
    }
    this.config.logger.debug('notifier closed', { instance: this.config.instanceId });
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const forget = () => this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer !== undefined) this.config.timers.clearTimeout(this.timer);
    this.timer = this.config.timers.setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, ms);
  }

  /** Looks at the outbox now, or again right after the look under way. */
  private kick(): void {
    if (this.closed) return;
    if (this.pumping) {
      // A notice may have been accepted or finished after the look under way read the store.
      this.pumpAgain = true;
      return;
    }
    this.pumpAgain = false;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.pumpAgain) this.kick();
    });
  }

  /** Claims due notices up to the concurrency, starts their attempts, and sets the next look. */
  private async pump(): Promise<void> {
    const { store, clock, concurrency, leaseMs, instanceId, pollIntervalMs, logger } = this.config;
    try {
      const free = concurrency - this.attempting;
      if (free > 0) {
        const claims = await store.claimDue(clock.now(), free, leaseMs, instanceId);
        for (const claim of claims) {
          if (this.closed) {
            // Give it back rather than start sending while shutting down.
            await store.releaseClaim(claim.notice.id, claim.token);
            continue;
          }
          this.attempting++;
          this.track(
            this.attempt(claim).finally(() => {
              this.attempting--;
              this.kick();
            }),
          );
        }
      }
      if (this.closed) return;
      const next = await store.nextDueAt();
      const wait = next === undefined ? pollIntervalMs : Math.max(0, next - clock.now());
      // Poll even when nothing is due sooner, in case another instance queued a notice.
      this.schedule(
        this.attempting >= concurrency ? pollIntervalMs : Math.min(wait, pollIntervalMs),
      );
    } catch (error) {
      logger.error('notifier could not read its outbox; trying again later', {
        error: (error as Error)?.message ?? String(error),
      });
      this.schedule(pollIntervalMs);
    }
  }

  private async attempt({ notice, token }: ClaimedNotice): Promise<void> {
    const { store, clock, logger, retry, random, instanceId, fetch, timeoutMs } = this.config;
    const startedAt = clock.now();
    const result = await deliverNotice(fetch, notice.url, notice.body, timeoutMs, () =>
      clock.now(),
    );
    const finishedAt = clock.now();
    const number = notice.attemptCount + 1;
    let next: NoticeTransition;
    let delay: number | undefined;
    if (result.outcome === 'delivered') {
      next = { state: 'delivered' };
    } else {
      delay = computeRetryDelay({
        failedAttempts: number - notice.attemptsBeforeRequeue,
        policy: retry,
        random,
        ...(result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs }),
      });
      next =
        delay === undefined
          ? { state: 'dead' }
          : { state: 'pending', nextAttemptAt: finishedAt + delay };
    }
    const record: NoticeAttempt = {
      number,
      startedAt,
      finishedAt,
      outcome: result.outcome,
      detail: result.detail,
      owner: instanceId,
    };
    if (result.httpStatus !== undefined) record.httpStatus = result.httpStatus;
    const meta = {
      ...this.describe(notice),
      attempt: number,
      outcome: result.outcome,
      detail: result.detail,
    };
    let recorded: boolean;
    try {
      recorded = await store.recordAttempt(notice.id, token, record, next, finishedAt);
    } catch (error) {
      // The lease will run out and the notice be sent again: at least once, never lost.
      logger.error('could not record a notice attempt; it will be sent again', {
        ...meta,
        error: (error as Error)?.message ?? String(error),
      });
      return;
    }
    if (!recorded) {
      logger.warn('lost the lease on a notice while sending it; another instance has it', meta);
      return;
    }
    this.wake(notice.id);
    if (next.state === 'delivered') {
      logger.info('payment-success notice delivered', meta);
    } else if (next.state === 'pending') {
      logger.warn('payment-success notice attempt failed; will retry', {
        ...meta,
        retryInMs: delay,
      });
    } else {
      logger.error('payment-success notice is a dead letter: every retry failed', meta);
      await this.deadLetter(notice.id);
    }
  }

  private async deadLetter(id: string): Promise<void> {
    const { onDeadLetter, store, logger } = this.config;
    if (!onDeadLetter) return;
    try {
      const notice = await store.getNotice(id);
      if (notice) await onDeadLetter(notice);
    } catch (error) {
      logger.error('onDeadLetter threw', {
        noticeId: id,
        error: (error as Error)?.message ?? String(error),
      });
    }
  }

  /** Resolves when this instance records on `id`, after a poll interval, or on close. */
  private changeOf(id: string, signal?: AbortSignal): Promise<void> {
    const { timers, pollIntervalMs } = this.config;
    return new Promise<void>((resolve, reject) => {
      const watchers = this.watchers.get(id) ?? new Set<() => void>();
      this.watchers.set(id, watchers);
      let handle: unknown;
      const settle = (error?: unknown) => {
        timers.clearTimeout(handle);
        signal?.removeEventListener('abort', onAbort);
        watchers.delete(wake);
        if (watchers.size === 0 && this.watchers.get(id) === watchers) this.watchers.delete(id);
        if (error === undefined) resolve();
        else reject(error);
      };
      const wake = () => settle();
      const onAbort = () => settle(signal?.reason ?? new Error('aborted'));
      watchers.add(wake);
      handle = timers.setTimeout(wake, pollIntervalMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private wake(id: string): void {
    for (const wake of [...(this.watchers.get(id) ?? [])]) wake();
  }

  private describe(notice: NoticeRecord): Record<string, unknown> {
    return {
      noticeId: notice.id,
      appId: notice.appId,
      orderId: notice.orderId,
      instance: this.config.instanceId,
    };
  }
}

/**
 * Creates a {@link Notifier} and starts it: notices left pending by an earlier run are sent
 * right away. Throws `ConfigurationError` for bad options.
 */
export function createNotifier(options: NotifierOptions): Notifier {
  return new Notifier(options);
}
