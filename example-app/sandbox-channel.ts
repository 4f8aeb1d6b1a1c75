import { createSign, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import {
  BusinessError,
  type PayParams,
  type PayParamsRequest,
  type RefundQueryRequest,
  type RefundQueryStatus,
  type RefundRequest,
  type RefundResult,
} from '../lib/index';

/**
 * A pretend payment channel: hands out fake prepay ids with a real RSA `paySign` (as WeChat
 * Pay API v3 computes it, with a key generated at start-up), and refunds that succeed.
 * Replace it with your real channel.
 */
export class SandboxChannel {
  readonly wechatAppId: string;
  /** Verifies `paySign` (what WeChat would check); exposed for tests. */
  readonly publicKey: KeyObject;
  private readonly privateKey: KeyObject;
  private readonly refunds = new Map<string, { refundId: string; fen: number }>();

  constructor(wechatAppId = 'wx_sandbox_appid') {
    this.wechatAppId = wechatAppId;
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  payParams = async (_request: PayParamsRequest): Promise<PayParams> => {
    const prepayId = `wx${Date.now()}${randomBytes(8).toString('hex')}`;
    const timeStamp = String(Math.floor(Date.now() / 1000));
    const nonceStr = randomBytes(16).toString('hex');
    const pkg = `prepay_id=${prepayId}`;
    const paySign = createSign('RSA-SHA256')
      .update(`${this.wechatAppId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`)
      .sign(this.privateKey, 'base64');
    return { timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign };
  };

  refund = async (request: RefundRequest): Promise<RefundResult> => {
    const refundId = `sandbox_refund_${randomBytes(8).toString('hex')}`;
    this.refunds.set(this.key(request), { refundId, fen: request.refund_fen });
    return { refund_id: refundId };
  };

  refundQuery = async (request: RefundQueryRequest): Promise<RefundQueryStatus> => {
    if (!this.refunds.has(this.key(request))) {
      throw new BusinessError(`no refund ${request.refund_order_id} for order ${request.order_id}`);
    }
    return 'SUCCESS';
  };

  private key(request: { app_id: string; order_id: string; refund_order_id: string }): string {
    return JSON.stringify([request.app_id, request.order_id, request.refund_order_id]);
  }
}
