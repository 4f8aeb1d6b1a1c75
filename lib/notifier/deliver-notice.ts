import type { NoticeAttemptOutcome } from '../stores/notice-store';
import { parseRetryAfter } from './retry-delay';

/** The part of the `fetch` API the notifier uses; the global `fetch` fits. */
export type FetchLike = (
  url: string,
  init: {
    method: 'POST';
    headers: Record<string, string>;
    body: string;
    signal: AbortSignal;
    redirect: 'manual';
  },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

/** What one attempt to post a notice came to. */
export interface DeliveryResult {
  outcome: NoticeAttemptOutcome;
  httpStatus?: number;
  detail: string;
  /** The answer's `Retry-After`, in milliseconds, when it had a readable one. */
  retryAfterMs?: number;
}

const DETAIL_MAX = 1000;

function cut(text: string): string {
  return text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX)}…` : text;
}

/**
 * Posts `body` to `url` once and classifies the answer. Never throws: only a 2xx answer whose
 * body is exactly `SUCCESS` (surrounding whitespace ignored) is `delivered`.
 */
export async function deliverNotice(
  fetchFn: FetchLike,
  url: string,
  body: string,
  timeoutMs: number,
  now: () => number,
): Promise<DeliveryResult> {
  const controller = new AbortController();
  // A real timer on purpose: the injected timers drive the retry schedule, which tests
  // fast-forward, while a request's timeout must measure the time the platform really takes.
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      signal: controller.signal,
      // A redirected POST would silently become a GET: count it as a failed attempt instead.
      redirect: 'manual',
    });
    const text = await response.text();
    const { status } = response;
    if (status >= 200 && status < 300) {
      const answer = text.trim();
      if (answer === 'SUCCESS')
        return { outcome: 'delivered', httpStatus: status, detail: 'SUCCESS' };
      return {
        outcome: 'rejected',
        httpStatus: status,
        detail: answer === '' ? '(empty answer)' : cut(answer),
      };
    }
    const result: DeliveryResult = {
      outcome: 'http-error',
      httpStatus: status,
      detail: cut(`HTTP ${status}${text.trim() === '' ? '' : `: ${text.trim()}`}`),
    };
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now());
    if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
    return result;
  } catch (error) {
    if (controller.signal.aborted) {
      return { outcome: 'timeout', detail: `no complete answer within ${timeoutMs} ms` };
    }
    return { outcome: 'network-error', detail: cut(describeNetworkError(error)) };
  } finally {
    clearTimeout(timer);
  }
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports every network failure as "fetch failed"; the reason is in `cause`.
  const cause = error.cause as { code?: string; message?: string } | undefined;
  if (cause?.message)
    return `${error.message}: ${cause.code ? `${cause.code} ` : ''}${cause.message}`;
  return error.message;
}
