import { InvalidHandlerResultError } from '../protocol/errors';
import { yuanToFen } from '../protocol/money';
import {
  amountSchema,
  appIdSchema,
  idString,
  maskId,
  orderTypeSchema,
  toOrderType,
} from './common-schema';
import type { EndpointSpec } from './endpoint';
import type { PayParams, PayParamsRequest } from './types';

const PAY_PARAM_FIELDS = ['timeStamp', 'nonceStr', 'package', 'signType', 'paySign'] as const;

/** 获取支付参数 */
export const payParamsEndpoint: EndpointSpec<PayParamsRequest, PayParams> = {
  name: 'pay-params',
  schema: {
    type: 'object',
    required: ['order_id', 'openid', 'total_price', 'order_type'],
    properties: {
      order_id: idString,
      openid: idString,
      total_price: amountSchema,
      order_type: orderTypeSchema,
      app_id: appIdSchema,
    },
  },
  toRequest(data, appId) {
    return {
      app_id: appId,
      data,
      order_id: data.order_id as string,
      openid: data.openid as string,
      order_type: toOrderType(data.order_type),
      total_price: data.total_price as number | string,
      total_fen: yuanToFen(data.total_price, 'total_price'),
    };
  },
  toAnswer(result) {
    if (result === null || typeof result !== 'object' || Array.isArray(result)) {
      throw new InvalidHandlerResultError(
        'the pay-params handler must return an object of pay params',
      );
    }
    const params = result as Record<string, unknown>;
    for (const field of PAY_PARAM_FIELDS) {
      const value = params[field];
      if (typeof value !== 'string' || value === '') {
        throw new InvalidHandlerResultError(
          `the pay-params handler's result needs ${field} as a non-empty string (got ${value === '' ? 'an empty string' : typeof value})`,
        );
      }
    }
    return params as PayParams;
  },
  logFields(request) {
    return {
      order_id: request.order_id,
      openid: maskId(request.openid),
      total_fen: request.total_fen,
      order_type: request.order_type,
    };
  },
};
