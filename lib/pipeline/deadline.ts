import { HandlerError, HandlerTimeoutError, ZhichiError } from '../protocol/errors';

/** A handler run under a deadline. */
export interface DeadlineRun<T> {
  /** Settles with the handler's result, or rejects at the deadline with {@link HandlerTimeoutError}. */
  result: Promise<T>;
  /** Settles when the handler itself does, deadline or not. */
  settled: Promise<T>;
}

/**
 * Starts `run` with the AbortSignal that fires at the deadline. Errors are normalised: a
 * {@link ZhichiError} (such as {@link BusinessError}) stays as thrown, anything else becomes
 * a {@link HandlerError} whose `cause` keeps the original for the server log.
 */
export function runWithDeadline<T>(
  run: (signal: AbortSignal) => Promise<T> | T,
  timeoutMs: number,
  label: string,
): DeadlineRun<T> {
  const controller = new AbortController();
  const settled = (async () => {
    try {
      return await run(controller.signal);
    } catch (error) {
      if (error instanceof ZhichiError) throw error;
      throw new HandlerError(`the ${label} handler failed`, { cause: error });
    }
  })();
  // Whichever comes first: the handler settling (the timer is then cleared) or the deadline.
  const result = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new HandlerTimeoutError(
        `the ${label} handler did not answer within ${timeoutMs} ms`,
      );
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    settled.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
  return { result, settled };
}
