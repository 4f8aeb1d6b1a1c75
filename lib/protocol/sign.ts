import { createHash, timingSafeEqual } from 'node:crypto';
import { MalformedEnvelopeError } from './errors';
import { PhpArray, type PhpValue, parsePhpJson } from './php-json';
import { phpKsort } from './php-key-order';
import { phpToString } from './php-string';

/**
 * The string PHP's `getSign()` hashes (before the key is appended) for a decoded value:
 * a string as itself, an array as its `ksort`ed `key=value` pairs joined by `&`.
 * Throws {@link MalformedEnvelopeError} for a number, boolean or null, which PHP cannot sign.
 */
export function canonicalStringOf(value: PhpValue): string {
  if (typeof value === 'string') return value;
  if (!(value instanceof PhpArray)) {
    throw new MalformedEnvelopeError(
      'data must be a JSON object, array or string to be signed; PHP getSign() cannot sign a bare number, boolean or null',
    );
  }
  const keys = Array.from(value.entries.keys());
  // A JSON array's keys are already 0..n-1 in order. An object's keys go in PHP's exact
  // ksort order, which plain Array.prototype.sort cannot reproduce for mixed numeric keys.
  const sorted = value.isList ? keys : phpKsort(keys);
  let out = '';
  for (let i = 0; i < sorted.length; i++) {
    const key = sorted[i] as string | bigint;
    out += `${i === 0 ? '' : '&'}${key}=${phpToString(value.entries.get(key))}`;
  }
  return out;
}

/**
 * The string signed for the JSON text `dataText`: decoded as PHP's `json_decode($data, true)`
 * does, then {@link canonicalStringOf}. Handy to debug a signature mismatch.
 * Throws {@link JsonSyntaxError} if PHP could not decode the text.
 */
export function canonicalString(dataText: string): string {
  return canonicalStringOf(parsePhpJson(dataText));
}

/** MD5 of the canonical string followed by the key, as 32 lowercase hex digits. */
export function signCanonical(canonical: string, md5Key: string): string {
  return createHash('md5')
    .update(canonical + md5Key, 'utf8')
    .digest('hex');
}

/**
 * The platform's MD5 signature of the JSON text `dataText` with `md5Key`, byte for byte as
 * the platform's PHP `getSign(json_decode($data, true))` computes it.
 */
export function signData(dataText: string, md5Key: string): string {
  return signCanonical(canonicalString(dataText), md5Key);
}

const SIGNATURE = /^[0-9a-fA-F]{32}$/;

/**
 * True when `sign` is a signature of `canonical` under any of `md5Keys`. Compares in
 * constant time, accepts upper-case hex, and tries every key whatever matched first.
 */
export function verifyCanonical(
  canonical: string,
  sign: string,
  md5Keys: string | readonly string[],
): boolean {
  if (!SIGNATURE.test(sign)) return false;
  const received = Buffer.from(sign.toLowerCase(), 'latin1');
  let matched = false;
  for (const key of typeof md5Keys === 'string' ? [md5Keys] : md5Keys) {
    const expected = Buffer.from(signCanonical(canonical, key), 'latin1');
    matched = timingSafeEqual(expected, received) || matched;
  }
  return matched;
}

/**
 * True when `sign` is the platform's signature of `dataText` under any of `md5Keys`
 * (the first key signs, all verify: that is how keys are rotated). False too when
 * `dataText` is not JSON PHP could decode, or is a bare number, boolean or null.
 */
export function verifyData(
  dataText: string,
  sign: string,
  md5Keys: string | readonly string[],
): boolean {
  let canonical: string;
  try {
    canonical = canonicalString(dataText);
  } catch {
    return false;
  }
  return verifyCanonical(canonical, sign, md5Keys);
}
