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
  const text = toPhpJson(answer);
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

/**
 * `JSON.stringify`, but text PHP's `json_decode` can read: JSON.stringify writes a lone
 * UTF-16 surrogate (in a handler's answer or a BusinessError message) as a `\udXXX` escape
 * that PHP refuses, and that made signing our own answer throw (HTTP 500 in MD5 mode) or
 * the platform unable to decode it (PKCS#7). Lone surrogates become U+FFFD instead, as any
 * UTF-8 encoder writes them.
 */
export function toPhpJson(value: unknown): string {
  // A replacer makes stringify several times slower; lone surrogates are the only thing it
  // writes as `\udXXX`, so take the slow path only when that sequence shows up.
  const text = JSON.stringify(value);
  return text?.includes('\\ud') ? JSON.stringify(value, wellFormed) : text;
}

function wellFormed(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return value.isWellFormed() ? value : value.toWellFormed();
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.some((key) => !key.isWellFormed())) {
      const record = value as Record<string, unknown>;
      return Object.fromEntries(keys.map((key) => [key.toWellFormed(), record[key]]));
    }
  }
  return value;
}
