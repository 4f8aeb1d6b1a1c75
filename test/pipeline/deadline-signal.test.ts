import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { runWithDeadline } from '../../lib/pipeline/deadline';
import { BusinessError, HandlerError, HandlerTimeoutError } from '../../lib/protocol/errors';

describe('runWithDeadline', () => {
  it('answers the handler result and leaves its signal unaborted', async () => {
    let signal: AbortSignal | undefined;
    const run = runWithDeadline(
      (getSignal) => {
        signal = getSignal;
        return 'ok';
      },
      1000,
      'test',
    );
    assert.equal(await run.result, 'ok');
    assert.equal(await run.settled, 'ok');
    assert.equal(signal?.aborted, false);
  });

  it('rejects at the deadline and aborts the signal it handed out', async () => {
    let signal: AbortSignal | undefined;
    const run = runWithDeadline(
      async (getSignal) => {
        signal = getSignal;
        await sleep(80);
        return 'late';
      },
      10,
      'test',
    );
    await assert.rejects(run.result, HandlerTimeoutError);
    assert.equal(signal?.aborted, true);
    assert.ok(signal?.reason instanceof HandlerTimeoutError);
    assert.equal(await run.settled, 'late');
  });

  it('hands an already aborted signal to a handler that asks after the deadline', async () => {
    const run = runWithDeadline(
      async (getSignal) => {
        await sleep(60);
        return getSignal;
      },
      10,
      'test',
    );
    await assert.rejects(run.result, HandlerTimeoutError);
    const late = await run.settled;
    assert.equal(late.aborted, true);
    assert.ok(late.reason instanceof HandlerTimeoutError);
  });

  it('keeps ZhichiErrors as thrown and wraps anything else', async () => {
    const business = new BusinessError('no');
    await assert.rejects(
      runWithDeadline(
        () => {
          throw business;
        },
        1000,
        'test',
      ).result,
      (error) => error === business,
    );
    await assert.rejects(
      runWithDeadline(
        () => {
          throw new TypeError('boom');
        },
        1000,
        'test',
      ).result,
      (error) => error instanceof HandlerError && (error.cause as Error).message === 'boom',
    );
  });
});
