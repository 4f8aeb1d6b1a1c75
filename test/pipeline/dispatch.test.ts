import assert from 'node:assert/strict';
import type { EndpointSpec } from '../../lib/endpoints/endpoint';
import { payParamsEndpoint } from '../../lib/endpoints/pay-params';
import { refundEndpoint } from '../../lib/endpoints/refund';
import { refundQueryEndpoint } from '../../lib/endpoints/refund-query';
import {
  BusinessError,
  HandlerError,
  HandlerTimeoutError,
  InvalidHandlerResultError,
  MemoryRefundStore,
  parsePhpJson,
  type RefundClaim,
  RefundInProgressError,
  type RefundRequest,
  type RefundStore,
  ValidationError,
} from '../../lib/index';
import type { PipelineConfig } from '../../lib/pipeline/config';
import { dispatch } from '../../lib/pipeline/dispatch';
import { validate } from '../../lib/pipeline/validate';
import {
  APP_ID,
  CapturingLogger,
  payParamsData,
  refundData,
  refundQueryData,
} from '../helpers/fixtures';
import { assertNoSecretsLogged, samplePayParams } from '../helpers/harness';

function config(
  overrides: Partial<PipelineConfig> = {},
): PipelineConfig & { logger: CapturingLogger } {
  return {
    resolveApp: async () => undefined,
    handlerTimeoutMs: 1000,
    refundStore: new MemoryRefundStore(),
    refundLeaseMs: 600_000,
    refundPollMs: 100,
    logger: new CapturingLogger(),
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    inflightRefunds: new Map(),
    ...overrides,
  } as PipelineConfig & { logger: CapturingLogger };
}

function requestFor<R>(spec: EndpointSpec<R, unknown>, value: object): R {
  return validate(spec, parsePhpJson(JSON.stringify(value)), APP_ID);
}

const context = (logger: CapturingLogger) => ({
  appId: APP_ID,
  mode: 'MD5' as const,
  signType: 'MD5',
  logger,
});

const refundRequest = () => requestFor(refundEndpoint, refundData);

async function rejectsWith(promise: Promise<unknown>, type: new (...args: never[]) => Error) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return true;
  });
}

describe('dispatch', () => {
  it('calls the handler with the request and a context carrying signal and deadline', async () => {
    const cfg = config({ now: () => 5000, handlerTimeoutMs: 700 });
    let seen: { deadline: number; aborted: boolean; appId: string } | undefined;
    const request = requestFor(payParamsEndpoint, payParamsData);
    const answer = await dispatch(
      payParamsEndpoint,
      (req, ctx) => {
        assert.equal(req, request);
        seen = { deadline: ctx.deadline, aborted: ctx.signal.aborted, appId: ctx.appId };
        return samplePayParams;
      },
      request,
      context(cfg.logger),
      cfg,
    );
    assert.deepEqual(answer, samplePayParams);
    assert.deepEqual(seen, { deadline: 5700, aborted: false, appId: APP_ID });
  });

  it('checks the answer: an invalid one is an InvalidHandlerResultError', async () => {
    const cfg = config();
    const request = requestFor(refundQueryEndpoint, refundQueryData);
    await rejectsWith(
      dispatch(refundQueryEndpoint, () => 'DONE', request, context(cfg.logger), cfg),
      InvalidHandlerResultError,
    );
  });

  it('wraps a plain error in a HandlerError that keeps it as cause', async () => {
    const cfg = config();
    const cause = new TypeError('x is undefined');
    await assert.rejects(
      dispatch(
        payParamsEndpoint,
        () => {
          throw cause;
        },
        requestFor(payParamsEndpoint, payParamsData),
        context(cfg.logger),
        cfg,
      ),
      (error: unknown) => error instanceof HandlerError && error.cause === cause,
    );
  });

  it('lets a BusinessError through as thrown', async () => {
    const cfg = config();
    const refusal = new BusinessError('订单已关闭', { code: 'ORDER_CLOSED' });
    await assert.rejects(
      dispatch(
        payParamsEndpoint,
        async () => {
          throw refusal;
        },
        requestFor(payParamsEndpoint, payParamsData),
        context(cfg.logger),
        cfg,
      ),
      (error: unknown) => error === refusal,
    );
  });

  it('rejects with HandlerTimeoutError at the deadline and aborts the signal', async () => {
    const cfg = config({ handlerTimeoutMs: 20 });
    let signal: AbortSignal | undefined;
    await rejectsWith(
      dispatch(
        payParamsEndpoint,
        (_req, ctx) => {
          signal = ctx.signal;
          return new Promise(() => {});
        },
        requestFor(payParamsEndpoint, payParamsData),
        context(cfg.logger),
        cfg,
      ),
      HandlerTimeoutError,
    );
    assert.equal(signal?.aborted, true);
  });
});

describe('dispatch of refunds', () => {
  it('runs concurrent duplicates once and gives them the same answer', async () => {
    const cfg = config();
    let runs = 0;
    const handler = async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { refund_id: 'R1' };
    };
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        dispatch(refundEndpoint, handler, refundRequest(), context(cfg.logger), cfg),
      ),
    );
    assert.equal(runs, 1);
    for (const answer of answers) assert.deepEqual(answer, { refund_id: 'R1' });
    assert.equal(cfg.inflightRefunds.size, 0, 'nothing is left in flight');
  });

  it('stores the outcome before answering, so a sequential retry does not run the handler', async () => {
    const cfg = config();
    let runs = 0;
    const handler = async () => {
      runs++;
      return undefined;
    };
    assert.deepEqual(
      await dispatch(refundEndpoint, handler, refundRequest(), context(cfg.logger), cfg),
      {},
    );
    const record = await cfg.refundStore.getRefund(
      JSON.stringify([APP_ID, refundData.refund_order_id]),
    );
    assert.deepEqual(record?.outcome, { kind: 'refunded', data: {} });
    assert.deepEqual(
      await dispatch(refundEndpoint, handler, refundRequest(), context(cfg.logger), cfg),
      {},
    );
    assert.equal(runs, 1);
  });

  it('replays a business refusal with its code', async () => {
    const cfg = config();
    let runs = 0;
    const handler = async () => {
      runs++;
      throw new BusinessError('余额不足', { code: 'NOT_ENOUGH' });
    };
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        dispatch(refundEndpoint, handler, refundRequest(), context(cfg.logger), cfg),
        (error: unknown) =>
          error instanceof BusinessError &&
          error.message === '余额不足' &&
          error.code === 'NOT_ENOUGH',
      );
    }
    assert.equal(runs, 1);
  });

  it('refuses a reused refund_order_id for another amount with a ValidationError', async () => {
    const cfg = config();
    await dispatch(
      refundEndpoint,
      async () => ({ refund_id: 'R' }),
      refundRequest(),
      context(cfg.logger),
      cfg,
    );
    const other = requestFor(refundEndpoint, { ...refundData, refund_price: '0.20' });
    await rejectsWith(
      dispatch(refundEndpoint, async () => ({ refund_id: 'R2' }), other, context(cfg.logger), cfg),
      ValidationError,
    );
  });

  it('releases the claim after an unexpected error, and only once the handler has settled', async () => {
    const cfg = config({ handlerTimeoutMs: 20 });
    let fail: ((error: Error) => void) | undefined;
    const key = JSON.stringify([APP_ID, refundData.refund_order_id]);
    await rejectsWith(
      dispatch(
        refundEndpoint,
        () => new Promise((_, reject) => (fail = reject)),
        refundRequest(),
        context(cfg.logger),
        cfg,
      ),
      HandlerTimeoutError,
    );
    assert.equal((await cfg.refundStore.getRefund(key))?.state, 'pending', 'still running');
    fail?.(new Error('late failure'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await cfg.refundStore.getRefund(key), undefined, 'released');
  });

  it('answers RefundInProgressError when another owner holds the refund past our deadline', async () => {
    let time = 0;
    const sleeps: number[] = [];
    const store = new MemoryRefundStore();
    const key = JSON.stringify([APP_ID, refundData.refund_order_id]);
    const fingerprint = JSON.stringify([refundData.order_id, refundData.transaction_id, 10]);
    assert.ok((await store.claimRefund(key, fingerprint, 0, 600_000)).claimed);
    const cfg = config({
      refundStore: store,
      handlerTimeoutMs: 500,
      refundPollMs: 50,
      now: () => time,
      sleep: async (ms) => {
        sleeps.push(ms);
        time += ms;
      },
    });
    let runs = 0;
    await rejectsWith(
      dispatch(
        refundEndpoint,
        async () => {
          runs++;
        },
        refundRequest(),
        context(cfg.logger),
        cfg,
      ),
      RefundInProgressError,
    );
    assert.equal(runs, 0);
    assert.equal(sleeps.length, 10);
    assert.ok(sleeps.every((ms) => ms === 50));
  });

  it('logs, without secrets, when the outcome cannot be stored, and fails the call', async () => {
    const memory = new MemoryRefundStore();
    const failing: RefundStore = {
      claimRefund: (...args): Promise<RefundClaim> => memory.claimRefund(...args),
      completeRefund: async () => {
        throw new Error('disk full');
      },
      releaseRefund: (...args) => memory.releaseRefund(...args),
      getRefund: (...args) => memory.getRefund(...args),
    };
    const cfg = config({ refundStore: failing });
    await assert.rejects(
      dispatch(
        refundEndpoint,
        async () => ({ refund_id: 'R' }),
        refundRequest(),
        context(cfg.logger),
        cfg,
      ),
      /disk full/,
    );
    const line = cfg.logger.lines.find((l) => l.level === 'error');
    assert.equal(line?.message, 'zhichi refund record could not be saved');
    assert.equal(line?.meta.refund_order_id, refundData.refund_order_id);
    assertNoSecretsLogged(cfg.logger);
  });

  it('gives the refund handler a typed RefundRequest', async () => {
    const cfg = config();
    let seen: RefundRequest | undefined;
    await dispatch(
      refundEndpoint,
      async (req: RefundRequest) => {
        seen = req;
      },
      refundRequest(),
      context(cfg.logger),
      cfg,
    );
    assert.equal(seen?.refund_fen, 10);
    assert.equal(seen?.total_fen, 29);
  });
});
