import { InvalidHandlerResultError } from '../protocol/errors';
import { appIdSchema, idString } from './common-schema';
import type { EndpointSpec } from './endpoint';
import type { RefundQueryRequest, RefundQueryStatus } from './types';

const STATUSES: readonly string[] = ['NOT_REFUND_YET', 'SUCCESS', 'FAIL'];

/** 退款查询 */
export const refundQueryEndpoint: EndpointSpec<RefundQueryRequest, RefundQueryStatus> = {
  name: 'refund-query',
  schema: {
    type: 'object',
    required: ['order_id', 'refund_order_id'],
    properties: { order_id: idString, refund_order_id: idString, app_id: appIdSchema },
  },
  toRequest(data, appId) {
    return {
      app_id: appId,
      data,
      order_id: data.order_id as string,
      refund_order_id: data.refund_order_id as string,
    };
  },
  toAnswer(result) {
    if (typeof result !== 'string' || !STATUSES.includes(result)) {
      throw new InvalidHandlerResultError(
        `the refund-query handler must return NOT_REFUND_YET, SUCCESS or FAIL (got ${typeof result === 'string' ? JSON.stringify(result.slice(0, 40)) : typeof result})`,
      );
    }
    return result as RefundQueryStatus;
  },
  logFields(request) {
    return { order_id: request.order_id, refund_order_id: request.refund_order_id };
  },
};
