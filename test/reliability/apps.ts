// The apps the reliability suite attacks: the router with well-behaved handlers, mounted
// alone or behind a host app that parses forms itself, logging to a CapturingLogger or winston.
import { createCipheriv } from 'node:crypto';
import express, { type Express } from 'express';
import fc from 'fast-check';
import {
  type AppCredentials,
  BusinessError,
  createZhichiRouter,
  type PayParams,
  type RefundQueryStatus,
  type ZhichiLogger,
} from '../../lib/index';
import { AES_KEY, AES_TOKEN, APP_ID, credentials, MD5_KEY } from '../helpers/fixtures';

/** Pay params for an order id starting with this are refused (42200). */
export const REFUSED_ORDER = 'refuse:';
export const MD5_ONLY_APP = 'md5-only-app';
export const AES_ONLY_APP = 'aes-only-app';
export const KNOWN_APPS: ReadonlySet<string> = new Set([APP_ID, MD5_ONLY_APP, AES_ONLY_APP]);

export const APPS: Record<string, AppCredentials> = {
  [APP_ID]: credentials,
  [MD5_ONLY_APP]: { md5Key: MD5_KEY },
  [AES_ONLY_APP]: { aesKey: AES_KEY, aesToken: AES_TOKEN },
};

/** What the well-behaved handlers saw. */
export interface HandlerLog {
  payParams: number;
  refunds: Map<string, number>;
  refundQueries: number;
}

/** Pay params echo what the handler received, so a test can check it. */
export function echoPayParams(req: {
  order_id: string;
  total_fen: number;
  order_type: number;
}): PayParams {
  return {
    timeStamp: '1700000000',
    nonceStr: 'nonce',
    package: 'prepay_id=wx0001',
    signType: 'RSA',
    paySign: 'c2lnbmF0dXJl',
    order_id: req.order_id,
    total_fen: req.total_fen,
    order_type: req.order_type,
  };
}

/** The refund-query answer for a refund id: fixed, so a test can predict it. */
export function queryAnswer(refundOrderId: string): RefundQueryStatus {
  const statuses: RefundQueryStatus[] = ['NOT_REFUND_YET', 'SUCCESS', 'FAIL'];
  return statuses[refundOrderId.length % 3] as RefundQueryStatus;
}

/** The router with handlers that always answer well; `hostParsesForms` pre-parses bodies. */
export function createTargetApp(
  logger: ZhichiLogger,
  options: { hostParsesForms?: boolean; refundDelayMs?: () => number } = {},
): { app: Express; calls: HandlerLog } {
  const calls: HandlerLog = { payParams: 0, refunds: new Map(), refundQueries: 0 };
  const app = express();
  if (options.hostParsesForms) {
    app.use(express.urlencoded({ extended: true, limit: '10mb', parameterLimit: 1000 }));
  }
  app.use(
    '/zhichi',
    createZhichiRouter({
      apps: APPS,
      logger,
      payParams: async (req) => {
        calls.payParams++;
        if (req.order_id.startsWith(REFUSED_ORDER)) throw new BusinessError('the order is closed');
        return echoPayParams(req);
      },
      refund: async (req) => {
        calls.refunds.set(req.refund_order_id, (calls.refunds.get(req.refund_order_id) ?? 0) + 1);
        const delay = options.refundDelayMs?.() ?? 0;
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        return {
          refund_id: `rf:${req.refund_order_id}:${calls.refunds.get(req.refund_order_id)}`,
          refund_fen: req.refund_fen,
          total_fen: req.total_fen,
        };
      },
      refundQuery: async (req) => {
        calls.refundQueries++;
        return queryAnswer(req.refund_order_id);
      },
    }),
  );
  return { app, calls };
}

/** AES-256-CBC of raw bytes with the fixture key and token (for non-UTF-8 plaintexts). */
export function encryptBytes(bytes: Uint8Array, key = AES_KEY, token = AES_TOKEN): string {
  const cipher = createCipheriv(
    'aes-256-cbc',
    Buffer.from(key, 'utf8'),
    Buffer.from(token, 'utf8'),
  );
  return Buffer.concat([cipher.update(bytes), cipher.final()]).toString('base64');
}

/** A lone UTF-16 surrogate, as a character. */
export const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((unit) => String.fromCharCode(unit));

/** Text of any UTF-16 code units, lone surrogates included. */
export const anyCodeUnits = fc.string({
  unit: fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: loneSurrogate },
  ),
  maxLength: 64,
});
