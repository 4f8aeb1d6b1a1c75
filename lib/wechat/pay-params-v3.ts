import { constants, createPrivateKey, KeyObject, sign } from 'node:crypto';
import { ConfigurationError } from '../protocol/errors';
import {
  describeType,
  nonceStrOf,
  packageOf,
  timeStampOf,
  type WechatPayParams,
  type WechatPayParamsV3Options,
} from './pay-params';

/**
 * The text WeChat Pay API v3 signs for `wx.requestPayment`: the four values, each followed by
 * `\n` (the last one too). Handy to debug a `paySign` that WeChat refuses.
 */
export function wechatV3PaySignMessage(
  appId: string,
  timeStamp: string,
  nonceStr: string,
  packageValue: string,
): string {
  return `${appId}\n${timeStamp}\n${nonceStr}\n${packageValue}\n`;
}

/**
 * Parses and checks the merchant's private key: it must be an RSA private key (not a
 * certificate, a public key or another algorithm). Call it once at start-up and pass the
 * result as `privateKey`, so a wrong key fails the boot rather than the first payment and the
 * PEM is not parsed on every order. A `KeyObject` that passes the checks is returned as is.
 * Throws {@link ConfigurationError}.
 */
export function parseWechatPrivateKey(privateKey: string | KeyObject): KeyObject {
  let key: KeyObject;
  if (privateKey instanceof KeyObject) {
    key = privateKey;
  } else if (typeof privateKey === 'string') {
    if (privateKey.trim().length === 0) throw new ConfigurationError('privateKey is empty');
    // A common mix-up is passing apiclient_cert.pem (or the platform certificate) instead of
    // apiclient_key.pem; say so rather than relay OpenSSL's decoder error. A bundle that also
    // holds the private key is left to createPrivateKey, which picks the key out of it.
    if (
      /-----BEGIN (?:CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY)-----/.test(privateKey) &&
      !/-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/.test(privateKey)
    ) {
      throw new ConfigurationError(
        'privateKey is a certificate or public key PEM: pass the merchant private key (apiclient_key.pem), not apiclient_cert.pem',
      );
    }
    if (!privateKey.includes('-----BEGIN')) {
      throw new ConfigurationError(
        'privateKey is not PEM: expected the contents of apiclient_key.pem starting with -----BEGIN PRIVATE KEY----- (did you pass a file path?)',
      );
    }
    try {
      key = createPrivateKey(privateKey);
    } catch (cause) {
      const encrypted = privateKey.includes('ENCRYPTED');
      throw new ConfigurationError(
        encrypted
          ? 'privateKey is an encrypted PEM: decrypt it with crypto.createPrivateKey({ key, passphrase }) and pass the KeyObject'
          : 'privateKey PEM does not parse as a private key: check that the whole apiclient_key.pem was copied, line breaks included',
        { cause },
      );
    }
  } else {
    throw new ConfigurationError(
      `privateKey must be a PEM string or a KeyObject, got ${describeType(privateKey)}`,
    );
  }
  if (key.type !== 'private') {
    throw new ConfigurationError(
      `privateKey is a ${key.type} key: pass the merchant private key (apiclient_key.pem)`,
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new ConfigurationError(
      `privateKey is a key of type ${key.asymmetricKeyType}, but WeChat Pay API v3 signs with RSA (SHA256-RSA, PKCS#1 v1.5)`,
    );
  }
  return key;
}

/**
 * The five `wx.requestPayment` parameters for an order placed with WeChat Pay API v3:
 * `signType` is `'RSA'` and `paySign` is the base64 SHA256-RSA (PKCS#1 v1.5) signature of
 * {@link wechatV3PaySignMessage} under the merchant's private key.
 *
 * Throws {@link ConfigurationError} when an input is missing or malformed, when the key is not
 * an RSA private key, or when `now()`/`nonce()` return something WeChat would refuse.
 */
export function buildWechatPayParamsV3(options: WechatPayParamsV3Options): WechatPayParams<'RSA'> {
  const packageValue = packageOf(options.appId, options.prepayId);
  const key = parseWechatPrivateKey(options.privateKey);
  const timeStamp = timeStampOf(options.now);
  const nonceStr = nonceStrOf(options.nonce);
  const message = wechatV3PaySignMessage(options.appId, timeStamp, nonceStr, packageValue);
  // PKCS#1 v1.5 is already the default for an RSA key; it is spelled out because WeChat Pay
  // refuses PSS signatures and the default is not obvious to a reader.
  const paySign = sign('sha256', Buffer.from(message, 'utf8'), {
    key,
    padding: constants.RSA_PKCS1_PADDING,
  }).toString('base64');
  return { timeStamp, nonceStr, package: packageValue, signType: 'RSA', paySign };
}
