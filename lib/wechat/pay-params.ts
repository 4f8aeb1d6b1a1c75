import type { KeyObject } from 'node:crypto';
import { ConfigurationError } from '../protocol/errors';
import { generateWechatNonce } from './nonce';

/** The `signType` values `wx.requestPayment` accepts. */
export type WechatSignType = 'RSA' | 'MD5' | 'HMAC-SHA256';

/**
 * The five parameters of `wx.requestPayment`, all strings, as the 咫尺 platform asks the
 * merchant for them.
 */
// A type alias, not an interface, so it fits the router's `PayParams` (which allows extra keys).
export type WechatPayParams<S extends WechatSignType = WechatSignType> = {
  /** Seconds since the Unix epoch, in decimal. */
  timeStamp: string;
  /** Random string of at most 32 characters. */
  nonceStr: string;
  /** `prepay_id=` followed by the prepay id WeChat Pay returned when the order was placed. */
  package: string;
  signType: S;
  /** The signature over the other parameters and the `appId`. */
  paySign: string;
};

/** Inputs shared by {@link buildWechatPayParamsV3} and {@link buildWechatPayParamsV2}. */
export interface WechatPayParamsBaseOptions {
  /** The mini-program's AppID (`wx…`) the order was placed for. It is signed, not returned. */
  appId: string;
  /** The bare `prepay_id` from WeChat Pay's order API, without the `prepay_id=` prefix. */
  prepayId: string;
  /**
   * Current time in whole seconds since the Unix epoch. Inject it to make output repeatable.
   * @default () => Math.floor(Date.now() / 1000)
   */
  now?: () => number;
  /**
   * Returns the `nonceStr`: 1 to 32 printable ASCII characters without spaces.
   * @default () => generateWechatNonce(32)
   */
  nonce?: () => string;
}

/** Inputs of {@link buildWechatPayParamsV3}. */
export interface WechatPayParamsV3Options extends WechatPayParamsBaseOptions {
  /**
   * The merchant's API certificate private key (`apiclient_key.pem`): a PEM string or a
   * `KeyObject`. Parse it once with {@link parseWechatPrivateKey} and pass the `KeyObject` to
   * avoid parsing the PEM on every order.
   */
  privateKey: string | KeyObject;
}

/** The signature algorithms of WeChat Pay API v2. */
export type WechatV2SignType = 'MD5' | 'HMAC-SHA256';

/** Inputs of {@link buildWechatPayParamsV2}. */
export interface WechatPayParamsV2Options extends WechatPayParamsBaseOptions {
  /** The merchant's API v2 key (the 32-character `key` set in the merchant platform). */
  apiKey: string;
  /**
   * How to sign. It must be the `sign_type` the order was placed with.
   * @default 'MD5'
   */
  signType?: WechatV2SignType;
}

/**
 * Throws {@link ConfigurationError} unless `value` is a non-empty string without surrounding
 * whitespace or line breaks. Messages name the field, never its value: it may be a secret.
 */
export function requireText(name: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new ConfigurationError(`${name} must be a string, got ${describeType(value)}`);
  }
  if (value.length === 0) throw new ConfigurationError(`${name} is empty`);
  if (value.trim() !== value) {
    // The usual cause: a value copied from an env file or a console with a trailing newline,
    // which WeChat Pay would sign differently and reject with a signature error.
    throw new ConfigurationError(
      `${name} has leading or trailing whitespace (often a newline copied from an env file); trim it`,
    );
  }
  if (/[\r\n]/.test(value)) {
    throw new ConfigurationError(`${name} contains a line break; WeChat Pay ids and keys never do`);
  }
  return value;
}

/** Checks `appId` and `prepayId`; returns the `package` value. */
export function packageOf(appId: unknown, prepayId: unknown): string {
  requireText('appId', appId);
  const id = requireText('prepayId', prepayId);
  if (id.startsWith('prepay_id=')) {
    throw new ConfigurationError(
      "prepayId already starts with 'prepay_id=': pass the bare prepay_id, the prefix is added for the package field",
    );
  }
  return `prepay_id=${id}`;
}

// Ten billion seconds is the year 2286; a larger "now" is almost surely Date.now() milliseconds.
const MAX_SECONDS = 10_000_000_000;

/** Calls `now` and checks that it returned whole seconds; returns them as `timeStamp`. */
export function timeStampOf(now: (() => number) | undefined): string {
  const seconds = now ? now() : Math.floor(Date.now() / 1000);
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
    throw new ConfigurationError(
      `now() must return a non-negative whole number of seconds, got ${describeType(seconds)}${typeof seconds === 'number' ? ` ${seconds}` : ''}`,
    );
  }
  if (seconds >= MAX_SECONDS) {
    throw new ConfigurationError(
      `now() returned ${seconds}, which looks like milliseconds: WeChat Pay wants seconds, use Math.floor(Date.now() / 1000)`,
    );
  }
  return String(seconds);
}

const NONCE = /^[\x21-\x7e]{1,32}$/;

/** Calls `nonce` and checks that it returned a usable `nonceStr`. */
export function nonceStrOf(nonce: (() => string) | undefined): string {
  const value = nonce ? nonce() : generateWechatNonce(32);
  if (typeof value !== 'string' || !NONCE.test(value)) {
    throw new ConfigurationError(
      `nonce() must return 1 to 32 printable ASCII characters without spaces, got ${typeof value === 'string' ? `${value.length} characters` : describeType(value)}`,
    );
  }
  return value;
}

/** `typeof`, but telling `null` and arrays apart, for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
