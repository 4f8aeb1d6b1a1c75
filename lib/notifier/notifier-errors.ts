import { ZhichiError } from '../protocol/errors';
import { Status } from '../protocol/status';
import type { NoticeWithHistory } from '../stores/notice-store';

/** The notifier was closed: it accepts no more notices and stops waiting. */
export class NotifierClosedError extends ZhichiError {
  constructor(message = 'the notifier is closed') {
    super(message, 'NOTIFIER_CLOSED', Status.INTERNAL_ERROR);
  }
}

/** No notice has this id in the notifier's store. */
export class NoticeNotFoundError extends ZhichiError {
  readonly noticeId: string;

  constructor(noticeId: string) {
    super(
      `no payment-success notice with id "${noticeId}"`,
      'NOTICE_NOT_FOUND',
      Status.INTERNAL_ERROR,
    );
    this.noticeId = noticeId;
  }
}

/**
 * Every retry of a notice failed: it is a dead letter until re-queued with
 * `notifier.requeue(id)`. `notice` holds its attempt history.
 */
export class NoticeDeadLetterError extends ZhichiError {
  readonly notice: NoticeWithHistory;

  constructor(notice: NoticeWithHistory) {
    super(
      `payment-success notice ${notice.id} (order ${notice.orderId}) failed ${notice.attemptCount} attempts and is a dead letter; last error: ${notice.lastError ?? 'none'}`,
      'NOTICE_DEAD_LETTER',
      Status.INTERNAL_ERROR,
    );
    this.notice = notice;
  }
}
