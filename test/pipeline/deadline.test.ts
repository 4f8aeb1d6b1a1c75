import assert from 'node:assert/strict';
import { BusinessError, HandlerError, HandlerTimeoutError } from '../../lib/index';
import { runWithDeadline } from '../../lib/pipeline/deadline';

describe('runWithDeadline', () => {
  it('resolves with the handler’s value and leaves the signal alone', async () => {
    let signal: AbortSignal | undefined;
    const run = runWithDeadline(
      async (s) => {
        signal = s;
        return 42;
      },
      50,
      'test',
    );
    assert.equal(await run.result, 42);
    assert.equal(await run.settled, 42);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(signal?.aborted, false, 'the timer was cleared');
  });

  it('rejects result at the deadline, aborts the signal with the same error, and settles later', async () => {
    let signal: AbortSignal | undefined;
    let finish: ((v: string) => void) | undefined;
    const run = runWithDeadline(
      (s) => {
        signal = s;
        return new Promise<string>((resolve) => (finish = resolve));
      },
      20,
      'pay-params',
    );
    await assert.rejects(run.result, (error: unknown) => {
      assert.ok(error instanceof HandlerTimeoutError);
      assert.match(error.message, /pay-params handler did not answer within 20 ms/);
      assert.equal(signal?.reason, error);
      return true;
    });
    assert.equal(signal?.aborted, true);
    finish?.('late');
    assert.equal(await run.settled, 'late', 'settled reports what the handler really did');
  });

  it('wraps plain errors, even synchronous ones, in HandlerError with the cause', async () => {
    const cause = new RangeError('bad');
    const run = runWithDeadline(
      () => {
        throw cause;
      },
      50,
      'refund',
    );
    await assert.rejects(
      run.result,
      (e: unknown) => e instanceof HandlerError && e.cause === cause,
    );
    await assert.rejects(run.settled, HandlerError);
  });

  it('keeps a BusinessError as thrown', async () => {
    const refusal = new BusinessError('no');
    const run = runWithDeadline(
      async () => {
        throw refusal;
      },
      50,
      'refund',
    );
    await assert.rejects(run.result, (e: unknown) => e === refusal);
  });

  it('leaves no unhandled rejection behind when the handler fails after the deadline', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let fail: ((e: Error) => void) | undefined;
      const run = runWithDeadline(
        () => new Promise((_, reject) => (fail = reject)),
        10,
        'refund-query',
      );
      await assert.rejects(run.result, HandlerTimeoutError);
      fail?.(new Error('late'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
