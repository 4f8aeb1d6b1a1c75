// What the router benchmark sends and answers, shared by the load generator and the servers.
import { payParamsEndpoint } from '../../lib/endpoints/pay-params';
import { resolveCommonOptions } from '../../lib/express/options';
import { handleCall, type PayParams, sealRequest, type ZhichiLogger } from '../../lib/index';

export const APP_ID = 'wxbench0000000001';
export const CREDENTIALS = {
  md5Key: 'bench-md5-key-0f3c9a7e51d2b6a4',
  aesKey: '0123456789abcdef0123456789abcdef',
  aesToken: 'fedcba9876543210',
};

export type BenchMode = 'MD5' | 'PKCS#7';

/** Logs nothing: the measured runs use it, so the numbers are the library's, not winston's. */
export const silentLogger: ZhichiLogger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
};

/** The trivial pay-params callback: fixed pay params, no I/O. */
export const PAY_PARAMS: PayParams = {
  timeStamp: '1700000000',
  nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
  package: 'prepay_id=wx201410272009395522657a690389285100',
  signType: 'MD5',
  paySign: 'C380BEC2BFD727A4B6845133519F3AD6',
};
export const payParamsHandler = async (): Promise<PayParams> => PAY_PARAMS;

/** A realistic 获取支付参数 call, sealed as the platform does. */
export function requestBody(mode: BenchMode): string {
  const data = {
    order_id: '5cbe7fe1cd370125600453',
    openid: 'oRu8a0Zq_x8SB-sfYUkSSd2m_U',
    total_price: 0.29,
    order_type: 1,
    app_id: APP_ID,
  };
  const envelope = sealRequest(APP_ID, data, CREDENTIALS, mode);
  return new URLSearchParams(envelope as unknown as Record<string, string>).toString();
}

/** The exact bytes the router answers to {@link requestBody}: the bare server sends them as is. */
export async function expectedAnswer(mode: BenchMode): Promise<string> {
  const { pipeline } = resolveCommonOptions({
    apps: { [APP_ID]: CREDENTIALS },
    logger: silentLogger,
  });
  const fields = Object.fromEntries(new URLSearchParams(requestBody(mode)));
  const result = await handleCall(payParamsEndpoint, payParamsHandler, fields, pipeline);
  if (result.envelope.status !== 0) throw new Error(`fixture call failed: ${result.envelope.msg}`);
  return JSON.stringify(result.envelope);
}
