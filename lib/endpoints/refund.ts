import { InvalidHandlerResultError, ValidationError } from '../protocol/errors';
import { yuanToFen } from '../protocol/money';
import { amountSchema, appIdSchema, idString, orderTypeSchema, toOrderType } from './common-schema';
import type { EndpointSpec } from './endpoint';
import type { RefundRequest, RefundResult } from './types';

/** 退款 */
export const refundEndpoint: EndpointSpec<RefundRequest, RefundResult> = {
  name: 'refund',
  schema: {
    type: 'object',
    required: [
      'order_id',
      'refund_price',
      'refund_order_id',
      'total_price',
      'transaction_id',
      'order_type',
    ],
    properties: {
      order_id: idString,
      refund_order_id: idString,
      transaction_id: idString,
      refund_price: amountSchema,
      total_price: amountSchema,
      order_type: orderTypeSchema,
      app_id: appIdSchema,
    },
  },
  toRequest(data, appId) {
    const refundFen = yuanToFen(data.refund_price, 'refund_price');
    const totalFen = yuanToFen(data.total_price, 'total_price');
    if (refundFen > totalFen) {
      throw new ValidationError(
        `refund_price (${refundFen} fen) is above the order's total_price (${totalFen} fen)`,
      );
    }
    return {
      app_id: appId,
      data,
      order_id: data.order_id as string,
      refund_order_id: data.refund_order_id as string,
      transaction_id: data.transaction_id as string,
      order_type: toOrderType(data.order_type),
      refund_price: data.refund_price as string | number,
      refund_fen: refundFen,
      total_price: data.total_price as number | string,
      total_fen: totalFen,
    };
  },
  toAnswer(result) {
    if (result === undefined || result === null) return {};
    if (typeof result !== 'object' || Array.isArray(result)) {
      throw new InvalidHandlerResultError(
        'the refund handler must return { refund_id } or nothing',
      );
    }
    const answer: RefundResult = { ...(result as RefundResult) };
    const id = answer.refund_id;
    if (id === undefined || id === null) {
      delete answer.refund_id;
    } else if (typeof id === 'number' && Number.isSafeInteger(id)) {
      // A numeric id from a channel SDK is still an id; the protocol wants a string.
      answer.refund_id = String(id);
    } else if (typeof id !== 'string' || id === '') {
      throw new InvalidHandlerResultError(
        'the refund handler returned a refund_id that is not a non-empty string',
      );
    }
    return answer;
  },
  logFields(request) {
    return {
      order_id: request.order_id,
      refund_order_id: request.refund_order_id,
      refund_fen: request.refund_fen,
      total_fen: request.total_fen,
    };
  },
};
