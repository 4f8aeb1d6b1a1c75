import type { ResolvedApp } from '../protocol/credentials';
import type { ResponseEnvelope } from '../protocol/envelope';
import { signData } from '../protocol/sign';
import type { SignMode } from '../protocol/sign-type';

/**
 * Wraps a JSON-able answer in the response envelope: the JSON text, then its MD5 signature
 * computed from that very text (first key), or its AES encryption with an empty `sign`.
 * `signType` is echoed as the request wrote it.
 */
export function seal(
  app: ResolvedApp,
  mode: SignMode,
  signType: string,
  status: number,
  answer: unknown,
  msg?: string,
): ResponseEnvelope {
  const text = JSON.stringify(answer);
  let data: string;
  let sign: string;
  if (mode === 'MD5') {
    data = text;
    sign = signData(text, app.md5Keys[0] as string);
  } else {
    data = (app.aes as NonNullable<ResolvedApp['aes']>).encrypt(text);
    sign = '';
  }
  const envelope: ResponseEnvelope = { app_id: app.appId, status, data, sign, sign_type: signType };
  if (msg !== undefined) envelope.msg = msg;
  return envelope;
}

/**
 * The mode an error answer is sealed in: the request's own when the app holds its key,
 * otherwise (unknown or unusable `sign_type`) MD5 if the app has an MD5 key, else PKCS#7.
 */
export function errorSealing(
  app: ResolvedApp,
  requested: SignMode | undefined,
  requestedSignType: string,
): { mode: SignMode; signType: string } {
  if (requested === 'MD5' && app.md5Keys.length > 0)
    return { mode: 'MD5', signType: requestedSignType };
  if (requested === 'PKCS#7' && app.aes) return { mode: 'PKCS#7', signType: requestedSignType };
  return app.md5Keys.length > 0
    ? { mode: 'MD5', signType: 'MD5' }
    : { mode: 'PKCS#7', signType: 'PKCS#7' };
}
