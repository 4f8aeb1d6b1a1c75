export { MemoryNoticeStore } from '../stores/memory-notice-store';
export type {
  ClaimedNotice,
  NewNotice,
  NoticeAttempt,
  NoticeAttemptOutcome,
  NoticeQuery,
  NoticeRecord,
  NoticeState,
  NoticeStore,
  NoticeTransition,
  NoticeWithHistory,
} from '../stores/notice-store';
export { SqliteStore, SqliteStoreError, type SqliteStoreOptions } from '../stores/sqlite-store';
export type { FetchLike } from './deliver-notice';
export { createNotifier, Notifier, type WaitForDeliveryOptions } from './notifier';
export { NoticeDeadLetterError, NoticeNotFoundError, NotifierClosedError } from './notifier-errors';
export {
  type Clock,
  DEFAULT_NOTIFY_URL,
  type NotifierLogger,
  type NotifierOptions,
  type Timers,
} from './notifier-options';
export {
  buildNoticeBody,
  type NoticeSealer,
  type PaymentSuccessFields,
  type PaymentSuccessInput,
  validatePaymentSuccess,
} from './payment-notice';
export {
  computeRetryDelay,
  DEFAULT_RETRY_SCHEDULE,
  parseRetryAfter,
  type RetryDelayInput,
  type RetryPolicy,
} from './retry-delay';
