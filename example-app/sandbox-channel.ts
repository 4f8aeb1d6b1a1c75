import { createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import {
  BusinessError,
  buildWechatPayParamsV3,
  generateSandboxRsaKey,
  type PayParams,
  type PayParamsRequest,
  parseWechatPrivateKey,
  type RefundQueryRequest,
  type RefundQueryStatus,
  type RefundRequest,
  type RefundResult,
  type RefundStore,
  refundStoreKey,
} from '../lib/index';

/**
 * A pretend payment channel: hands out fake prepay ids with a real RSA `paySign` (as WeChat
 * Pay API v3 computes it, with a key generated at start-up, through
 * the library's `buildWechatPayParamsV3`), and refunds that succeed.
 * Replace it with your real channel.
 */
export class SandboxChannel {
  readonly wechatAppId: string;
  /** Verifies `paySign` (what WeChat would check); exposed for tests. */
  readonly publicKey: KeyObject;
  private readonly privateKey: KeyObject;
  private readonly refunds = new Map<string, { refundId: string; fen: number }>();
  /** order_id → transaction_id, for orders the sandbox was told are paid. */
  readonly payments = new Map<string, string>();

  /** The routers' refund records, shared by every instance (see {@link refundQuery}). */
  refundRecords: RefundStore | undefined;

  constructor(wechatAppId = 'wx_sandbox_appid') {
    this.wechatAppId = wechatAppId;
    const pair = generateSandboxRsaKey();
    this.privateKey = parseWechatPrivateKey(pair.privateKey);
    this.publicKey = createPublicKey(pair.publicKey);
  }

  payParams = async (_request: PayParamsRequest): Promise<PayParams> => {
    // A real channel would place the order with WeChat Pay here and get the prepay_id back.
    const prepayId = `wx${Date.now()}${randomBytes(8).toString('hex')}`;
    return buildWechatPayParamsV3({
      appId: this.wechatAppId,
      prepayId,
      privateKey: this.privateKey,
    });
  };

  refund = async (request: RefundRequest): Promise<RefundResult> => {
    const refundId = `sandbox_refund_${randomBytes(8).toString('hex')}`;
    this.refunds.set(this.key(request), { refundId, fen: request.refund_fen });
    return { refund_id: refundId };
  };

  refundQuery = async (request: RefundQueryRequest): Promise<RefundQueryStatus> => {
    if (this.refunds.has(this.key(request))) return 'SUCCESS';
    // A refund another instance made: the shared refund records know it.
    const record = await this.refundRecords?.getRefund(
      refundStoreKey(request.app_id, request.refund_order_id),
    );
    if (record?.state === 'pending') return 'NOT_REFUND_YET';
    if (record?.outcome?.kind === 'refunded') return 'SUCCESS';
    if (record?.outcome?.kind === 'refused') return 'FAIL';
    throw new BusinessError(`no refund ${request.refund_order_id} for order ${request.order_id}`);
  };

  /** The channel's "paid" callback: remembers the payment. */
  recordPayment(orderId: string, transactionId: string): void {
    this.payments.set(orderId, transactionId);
  }

  private key(request: { app_id: string; order_id: string; refund_order_id: string }): string {
    return JSON.stringify([request.app_id, request.order_id, request.refund_order_id]);
  }
}
