/** `order_type`: 1 e-commerce order, 2 video order, 3 news/article order. */
import type { OrderType } from '../endpoints/types';
import type { AesCodec } from '../protocol/aes';
import { ValidationError } from '../protocol/errors';
import { signData } from '../protocol/sign';
import type { SignMode } from '../protocol/sign-type';

export type { OrderType };

/** What the platform is told when an order is paid. */
export interface PaymentSuccessInput {
  /** The platform's order number (咫尺订单号). */
  order_id: string;
  /** The payment channel's transaction number (交易流水号). */
  transaction_id: string;
  /** 1, 2 or 3; a numeric string such as `"1"` is accepted and sent as a number. */
  order_type: OrderType | number | string;
}

/** The validated fields of a notice. */
export interface PaymentSuccessFields {
  orderId: string;
  transactionId: string;
  orderType: OrderType;
}

/** Checks a notice's input; throws {@link ValidationError} naming the field. */
export function validatePaymentSuccess(input: PaymentSuccessInput): PaymentSuccessFields {
  if (typeof input !== 'object' || input === null) {
    throw new ValidationError(
      'notifyPaymentSuccess needs an object { order_id, transaction_id, order_type }',
    );
  }
  const text = (name: 'order_id' | 'transaction_id'): string => {
    const value: unknown = input[name];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ValidationError(`${name} must be a non-empty string, got ${describe(value)}`);
    }
    return value;
  };
  const orderId = text('order_id');
  const transactionId = text('transaction_id');
  const rawType: unknown = input.order_type;
  const orderType =
    typeof rawType === 'number'
      ? rawType
      : typeof rawType === 'string' && /^\s*\d+\s*$/.test(rawType)
        ? Number(rawType)
        : Number.NaN;
  if (orderType !== 1 && orderType !== 2 && orderType !== 3) {
    throw new ValidationError(
      `order_type must be 1 (e-commerce), 2 (video) or 3 (news), or the same as a numeric string, got ${describe(rawType)}`,
    );
  }
  return { orderId, transactionId, orderType };
}

function describe(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? (value === null ? 'null' : 'an object') : String(value);
}

/** How a notice's `data` is protected: signed with the md5 key, or encrypted. */
export type NoticeSealer = { mode: 'MD5'; md5Key: string } | { mode: 'PKCS#7'; codec: AesCodec };

/**
 * The urlencoded envelope `app_id, data, sign, sign_type` for a notice, as the platform reads
 * it: `data` is the JSON text of `{order_id, transaction_id, order_type, app_id}`, signed (MD5)
 * or encrypted with an empty `sign` (PKCS#7).
 */
export function buildNoticeBody(
  appId: string,
  fields: PaymentSuccessFields,
  sealer: NoticeSealer,
): string {
  const dataText = JSON.stringify({
    order_id: fields.orderId,
    transaction_id: fields.transactionId,
    order_type: fields.orderType,
    app_id: appId,
  });
  const signType: SignMode = sealer.mode;
  const [data, sign] =
    sealer.mode === 'MD5'
      ? [dataText, signData(dataText, sealer.md5Key)]
      : [sealer.codec.encrypt(dataText), ''];
  return new URLSearchParams({ app_id: appId, data, sign, sign_type: signType }).toString();
}
