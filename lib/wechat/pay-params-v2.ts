import { createHash, createHmac } from 'node:crypto';
import { ConfigurationError } from '../protocol/errors';
import {
  nonceStrOf,
  packageOf,
  requireText,
  timeStampOf,
  type WechatPayParams,
  type WechatPayParamsV2Options,
  type WechatV2SignType,
} from './pay-params';

function compareAscii(a: string, b: string): number {
  // Code-unit order, which is ASCII order for the ASCII names WeChat uses; not localeCompare.
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The text WeChat Pay API v2 hashes for `fields`: names in ASCII order, `name=value` joined by
 * `&`, fields with an empty value and the `sign` field left out, then `&key=` and the API key.
 * Contains the key: for debugging only, never log it.
 */
export function wechatV2SignString(
  fields: Readonly<Record<string, string>>,
  apiKey: string,
): string {
  const pairs = Object.keys(fields)
    .filter((name) => name !== 'sign' && fields[name] !== '' && fields[name] !== undefined)
    .sort(compareAscii)
    .map((name) => `${name}=${fields[name]}`);
  pairs.push(`key=${apiKey}`);
  return pairs.join('&');
}

/**
 * WeChat Pay API v2 signature of `fields` under `apiKey`, as upper-case hex: MD5 of
 * {@link wechatV2SignString}, or HMAC-SHA256 of it keyed with `apiKey`.
 * @default signType 'MD5'
 */
export function signWechatV2(
  fields: Readonly<Record<string, string>>,
  apiKey: string,
  signType: WechatV2SignType = 'MD5',
): string {
  requireText('apiKey', apiKey);
  const text = wechatV2SignString(fields, apiKey);
  switch (signType) {
    case 'MD5':
      return createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();
    case 'HMAC-SHA256':
      return createHmac('sha256', apiKey).update(text, 'utf8').digest('hex').toUpperCase();
    default:
      throw new ConfigurationError(
        `signType must be 'MD5' or 'HMAC-SHA256' for WeChat Pay API v2, got ${JSON.stringify(signType)}`,
      );
  }
}

/**
 * The five `wx.requestPayment` parameters for an order placed with WeChat Pay API v2:
 * `appId`, `timeStamp`, `nonceStr`, `package` and `signType` are signed with
 * {@link signWechatV2}; `appId` is signed but not returned, as `wx.requestPayment` does not
 * take it.
 *
 * Throws {@link ConfigurationError} when an input is missing or malformed, the sign type is
 * not a v2 one, or `now()`/`nonce()` return something WeChat would refuse.
 */
export function buildWechatPayParamsV2<S extends WechatV2SignType = 'MD5'>(
  options: WechatPayParamsV2Options & { signType?: S },
): WechatPayParams<S> {
  const packageValue = packageOf(options.appId, options.prepayId);
  requireText('apiKey', options.apiKey);
  const signType = (options.signType ?? 'MD5') as S;
  if (signType !== 'MD5' && signType !== 'HMAC-SHA256') {
    throw new ConfigurationError(
      `signType must be 'MD5' or 'HMAC-SHA256' for WeChat Pay API v2, got ${JSON.stringify(signType)} (use buildWechatPayParamsV3 for 'RSA')`,
    );
  }
  const timeStamp = timeStampOf(options.now);
  const nonceStr = nonceStrOf(options.nonce);
  const paySign = signWechatV2(
    { appId: options.appId, timeStamp, nonceStr, package: packageValue, signType },
    options.apiKey,
    signType,
  );
  return { timeStamp, nonceStr, package: packageValue, signType, paySign };
}
