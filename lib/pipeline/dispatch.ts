import type { EndpointSpec } from '../endpoints/endpoint';
import type { HandlerContext, RefundRequest, RefundResult } from '../endpoints/types';
import {
  BusinessError,
  type HandlerError,
  RefundInProgressError,
  ValidationError,
  type ZhichiError,
} from '../protocol/errors';
import { type RefundOutcome, type RefundRecord, refundStoreKey } from '../stores/refund-store';
import type { PipelineConfig } from './config';
import { runWithDeadline } from './deadline';

type Handler<Req> = (request: Req, context: HandlerContext) => unknown;

/**
 * The handler's context, built per call.
 * Fields are listed rather than spread: V8 builds such a literal several times faster.
 */
function handlerContext(
  context: Omit<HandlerContext, 'signal' | 'deadline'>,
  signal: AbortSignal,
  deadline: number,
): HandlerContext {
  return {
    appId: context.appId,
    mode: context.mode,
    signType: context.signType,
    logger: context.logger,
    signal,
    deadline,
  };
}

/**
 * Calls the merchant's handler under the deadline and checks its answer. Refunds go
 * through {@link dispatchRefund} so each runs once.
 */
export async function dispatch<Req, Answer>(
  spec: EndpointSpec<Req, Answer>,
  handler: Handler<Req>,
  request: Req,
  context: Omit<HandlerContext, 'signal' | 'deadline'>,
  config: PipelineConfig,
): Promise<Answer> {
  if (spec.name === 'refund') {
    return (await dispatchRefund(
      spec as unknown as EndpointSpec<RefundRequest, RefundResult>,
      handler as Handler<RefundRequest>,
      request as unknown as RefundRequest,
      context,
      config,
    )) as Answer;
  }
  const deadline = config.now() + config.handlerTimeoutMs;
  const run = runWithDeadline(
    async (signal) =>
      spec.toAnswer(await handler(request, handlerContext(context, signal, deadline))),
    config.handlerTimeoutMs,
    spec.name,
  );
  return run.result;
}

/** What one run of a refund came to, shared by every request that asked for it. */
interface SharedRefund {
  fingerprint: string;
  outcome: RefundOutcome | { kind: 'error'; error: ZhichiError };
}

function refundKey(request: RefundRequest): string {
  return refundStoreKey(request.app_id, request.refund_order_id);
}

function refundFingerprint(request: RefundRequest): string {
  return JSON.stringify([request.order_id, request.transaction_id, request.refund_fen]);
}

/**
 * Runs the refund handler at most once per `app_id` + `refund_order_id`: concurrent
 * duplicates in this process share one run; other processes are kept out by the store's
 * claim. A success or a business refusal is remembered and answered again to any retry;
 * an unexpected failure releases the claim (once the handler has really stopped) so the
 * platform's retry can try again.
 */
export async function dispatchRefund(
  spec: EndpointSpec<RefundRequest, RefundResult>,
  handler: Handler<RefundRequest>,
  request: RefundRequest,
  context: Omit<HandlerContext, 'signal' | 'deadline'>,
  config: PipelineConfig,
): Promise<RefundResult> {
  const key = refundKey(request);
  const fingerprint = refundFingerprint(request);
  let shared = config.inflightRefunds.get(key) as Promise<SharedRefund> | undefined;
  if (!shared) {
    shared = runRefundOnce(spec, handler, request, context, config, key, fingerprint);
    config.inflightRefunds.set(key, shared);
    shared.finally(() => config.inflightRefunds.delete(key)).catch(() => {});
  }
  const { fingerprint: recorded, outcome } = await shared;
  if (recorded !== fingerprint) {
    throw new ValidationError(
      `refund_order_id ${request.refund_order_id} was already used for a different refund (order, transaction or amount differ)`,
    );
  }
  if (outcome.kind === 'refunded') return outcome.data as RefundResult;
  if (outcome.kind === 'refused') throw new BusinessError(outcome.message, { code: outcome.code });
  throw outcome.error;
}

async function runRefundOnce(
  spec: EndpointSpec<RefundRequest, RefundResult>,
  handler: Handler<RefundRequest>,
  request: RefundRequest,
  context: Omit<HandlerContext, 'signal' | 'deadline'>,
  config: PipelineConfig,
  key: string,
  fingerprint: string,
): Promise<SharedRefund> {
  const started = config.now();
  const deadline = started + config.handlerTimeoutMs;
  let claim = await config.refundStore.claimRefund(key, fingerprint, started, config.refundLeaseMs);
  while (!claim.claimed) {
    let record: RefundRecord | undefined = claim.record;
    // Another process is on it: wait for its outcome until our own deadline.
    while (record?.state === 'pending' && config.now() < deadline) {
      await config.sleep(config.refundPollMs);
      record = await config.refundStore.getRefund(key);
    }
    if (record?.state === 'done' && record.outcome) {
      return { fingerprint: record.fingerprint, outcome: record.outcome };
    }
    if (record === undefined && config.now() < deadline) {
      // Its owner gave the claim back (its handler failed): this request may run it.
      claim = await config.refundStore.claimRefund(
        key,
        fingerprint,
        config.now(),
        config.refundLeaseMs,
      );
      continue;
    }
    return {
      fingerprint: record?.fingerprint ?? fingerprint,
      outcome: {
        kind: 'error',
        error: new RefundInProgressError(
          `refund ${request.refund_order_id} is already being processed; ask again later`,
        ),
      },
    };
  }

  const run = runWithDeadline(
    async (signal) =>
      spec.toAnswer(await handler(request, handlerContext(context, signal, deadline))),
    config.handlerTimeoutMs,
    spec.name,
  );
  // Record what the handler really did, even if that is after the deadline.
  const recorded = run.settled.then(
    async (answer) => {
      await config.refundStore.completeRefund(
        key,
        claim.token,
        { kind: 'refunded', data: answer as Record<string, unknown> },
        config.now(),
      );
    },
    async (error: unknown) => {
      if (error instanceof BusinessError) {
        await config.refundStore.completeRefund(
          key,
          claim.token,
          { kind: 'refused', code: error.code, message: error.message },
          config.now(),
        );
      } else {
        await config.refundStore.releaseRefund(key, claim.token);
      }
    },
  );
  recorded.catch((error: unknown) => {
    config.logger.error('zhichi refund record could not be saved', {
      endpoint: 'refund',
      app_id: request.app_id,
      refund_order_id: request.refund_order_id,
      error: error instanceof Error ? error.message : String(error),
    });
  });
  try {
    const answer = await run.result;
    // Answer only once the outcome is stored, so a retry can never run the handler again.
    await recorded;
    return { fingerprint, outcome: { kind: 'refunded', data: answer as Record<string, unknown> } };
  } catch (error) {
    if (error instanceof BusinessError) {
      await recorded.catch(() => {});
      return {
        fingerprint,
        outcome: { kind: 'refused', code: error.code, message: error.message },
      };
    }
    return { fingerprint, outcome: { kind: 'error', error: error as HandlerError } };
  }
}
