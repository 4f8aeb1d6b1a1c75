import { type RequestHandler, Router } from 'express';
import type { EndpointSpec } from '../endpoints/endpoint';
import { payParamsEndpoint } from '../endpoints/pay-params';
import { refundEndpoint } from '../endpoints/refund';
import { refundQueryEndpoint } from '../endpoints/refund-query';
import type {
  HandlerContext,
  PayParamsHandler,
  RefundHandler,
  RefundQueryHandler,
} from '../endpoints/types';
import { handleCall } from '../pipeline/handle-call';
import {
  checkHandler,
  type ResolvedOptions,
  resolveCommonOptions,
  type ZhichiEndpointOptions,
  type ZhichiRouterOptions,
} from './options';
import { createBodyReader } from './parse';
import { respond } from './respond';

function endpointHandler<Req, Answer>(
  spec: EndpointSpec<Req, Answer>,
  handler: (request: Req, context: HandlerContext) => unknown,
  resolved: ResolvedOptions,
): RequestHandler {
  const readBody = createBodyReader(resolved.bodyLimit);
  return async (req, res) => {
    const body = await readBody(req, res);
    const result = await handleCall(spec, handler, body.fields, resolved.pipeline, body.error);
    respond(res, result);
  };
}

/**
 * An Express router answering the platform's three calls: `POST /pay-params`,
 * `POST /refund` and `POST /refund-query`. Mount it where the platform's back office
 * points, e.g. `app.use('/zhichi', createZhichiRouter(options))`.
 * Options are checked now; bad ones throw {@link ConfigurationError}.
 */
export function createZhichiRouter(options: ZhichiRouterOptions): Router {
  const resolved = resolveCommonOptions(options);
  checkHandler('payParams', options.payParams);
  checkHandler('refund', options.refund);
  checkHandler('refundQuery', options.refundQuery);
  const router = Router();
  router.post('/pay-params', endpointHandler(payParamsEndpoint, options.payParams, resolved));
  router.post('/refund', endpointHandler(refundEndpoint, options.refund, resolved));
  router.post('/refund-query', endpointHandler(refundQueryEndpoint, options.refundQuery, resolved));
  return router;
}

/** 获取支付参数 alone, for your own path: `app.post('/pay/params', createPayParamsHandler(o))`. */
export function createPayParamsHandler(
  options: ZhichiEndpointOptions<PayParamsHandler>,
): RequestHandler {
  checkHandler('handler', options?.handler);
  return endpointHandler(payParamsEndpoint, options.handler, resolveCommonOptions(options));
}

/** 退款 alone, for your own path. Refunds stay idempotent per handler instance and store. */
export function createRefundHandler(options: ZhichiEndpointOptions<RefundHandler>): RequestHandler {
  checkHandler('handler', options?.handler);
  return endpointHandler(refundEndpoint, options.handler, resolveCommonOptions(options));
}

/** 退款查询 alone, for your own path. */
export function createRefundQueryHandler(
  options: ZhichiEndpointOptions<RefundQueryHandler>,
): RequestHandler {
  checkHandler('handler', options?.handler);
  return endpointHandler(refundQueryEndpoint, options.handler, resolveCommonOptions(options));
}
