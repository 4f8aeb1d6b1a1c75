import { randomBytes } from 'node:crypto';
import { ConfigurationError } from '../protocol/errors';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// The largest multiple of 62 that fits in a byte: bytes at or above it are dropped so that
// every character is equally likely (a plain `byte % 62` would favour the first 8).
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);

/**
 * A random `nonceStr` of ASCII letters and digits drawn from `crypto.randomBytes`, the shape
 * WeChat Pay expects (at most 32 characters).
 * @param length - number of characters, 1 to 32 (else {@link ConfigurationError})
 * @default length 32
 */
export function generateWechatNonce(length = 32): string {
  if (!Number.isInteger(length) || length < 1 || length > 32) {
    throw new ConfigurationError(`nonce length must be an integer from 1 to 32, got ${length}`);
  }
  let out = '';
  while (out.length < length) {
    // Ask for a little more than needed: about 3% of bytes are dropped.
    for (const byte of randomBytes(length - out.length + 8)) {
      if (byte >= UNBIASED_LIMIT) continue;
      out += ALPHABET[byte % ALPHABET.length];
      if (out.length === length) break;
    }
  }
  return out;
}
