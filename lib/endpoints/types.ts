import type { SignMode } from '../protocol/sign-type';

/** `order_type`: 1 e-commerce order, 2 video order, 3 news/article order. */
export type OrderType = 1 | 2 | 3;

/** The fields every request's data carries, plus everything else it had, untouched. */
interface BaseRequest {
  /** The envelope's `app_id` (data's own `app_id`, when present, must equal it). */
  app_id: string;
  /**
   * All of `data` as decoded (PHP rules; integers beyond 2^53 as bigint), in a
   * null-prototype object: extra fields the platform may add later are here.
   */
  data: Readonly<Record<string, unknown>>;
}

/** 获取支付参数: the platform wants WeChat mini-program pay parameters for an order. */
export interface PayParamsRequest extends BaseRequest {
  order_id: string;
  openid: string;
  order_type: OrderType;
  /** As received: a number of yuan, or a numeric string. Use `total_fen` for arithmetic. */
  total_price: number | string;
  /** `total_price` in integer fen. */
  total_fen: number;
}

/** What `wx.requestPayment` needs; all five are strings. Extra fields are passed through. */
export interface PayParams {
  timeStamp: string;
  nonceStr: string;
  /** `prepay_id=…` */
  package: string;
  signType: string;
  paySign: string;
  [extra: string]: unknown;
}

/** 退款: the merchant confirmed a refund in the platform's back office. */
export interface RefundRequest extends BaseRequest {
  order_id: string;
  /** The platform's id of this refund; the idempotency key together with `app_id`. */
  refund_order_id: string;
  transaction_id: string;
  order_type: OrderType;
  /** As received (a string of yuan, or a number from a sloppy sender). */
  refund_price: string | number;
  /** `refund_price` in integer fen; never above `total_fen`. */
  refund_fen: number;
  total_price: number | string;
  total_fen: number;
}

/** The refund handler's answer: the channel's refund id, if it gives one. */
export interface RefundResult {
  refund_id?: string;
  [extra: string]: unknown;
}

/** 退款查询: the platform asks how a refund stands. */
export interface RefundQueryRequest extends BaseRequest {
  order_id: string;
  refund_order_id: string;
}

/** `NOT_REFUND_YET` (in progress), `SUCCESS` (done) or `FAIL`. */
export type RefundQueryStatus = 'NOT_REFUND_YET' | 'SUCCESS' | 'FAIL';

/** Minimal logger shape; a winston `Logger` fits. */
export interface ZhichiLogger {
  error(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  debug(message: string, meta?: Record<string, unknown>): unknown;
}

/** What a handler gets beside the request. */
export interface HandlerContext {
  appId: string;
  /** The mode the request came in, and the `sign_type` it was written with. */
  mode: SignMode;
  signType: string;
  /** Aborted when the handler's deadline passes: pass it to fetch and friends. */
  signal: AbortSignal;
  /** When the deadline passes (epoch ms). */
  deadline: number;
  logger: ZhichiLogger;
}

/** Answers 获取支付参数. Throw {@link BusinessError} to refuse with a message. */
export type PayParamsHandler = (
  request: PayParamsRequest,
  context: HandlerContext,
) => Promise<PayParams> | PayParams;

/**
 * Performs a refund. Runs at most once per `app_id` + `refund_order_id` at a time, and not
 * again once it succeeded or refused; pass `refund_order_id` to your channel as its
 * idempotency key (WeChat's `out_refund_no`) so a retry after a crash is safe too.
 */
export type RefundHandler = (
  request: RefundRequest,
  context: HandlerContext,
) => // biome-ignore lint/suspicious/noConfusingVoidType: lets `async () => {}` be a handler that returns nothing
Promise<RefundResult | undefined | void> | RefundResult | undefined | void;

/** Answers 退款查询. */
export type RefundQueryHandler = (
  request: RefundQueryRequest,
  context: HandlerContext,
) => Promise<RefundQueryStatus> | RefundQueryStatus;
