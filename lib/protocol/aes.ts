import { createCipheriv, createDecipheriv } from 'node:crypto';
import { DecryptionError } from './errors';

/** AES-256 takes a 32-byte key; PHP pads a shorter key with zero bytes and cuts a longer one. */
export const AES_KEY_BYTES = 32;
/** AES-CBC takes a 16-byte IV; PHP pads a shorter token with zero bytes and cuts a longer one. */
export const AES_IV_BYTES = 16;

function fitBytes(text: string, size: number): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === size) return bytes;
  const fitted = Buffer.alloc(size);
  bytes.copy(fitted, 0, 0, Math.min(size, bytes.length));
  return fitted;
}

/**
 * Why an AES key or token would surprise its owner (PHP silently pads or cuts it), one
 * sentence each, naming lengths but never the secret. Empty when both are the right length.
 */
export function describeAesCredentialIssues(aesKey: string, token: string): string[] {
  const issues: string[] = [];
  const keyBytes = Buffer.byteLength(aesKey, 'utf8');
  const tokenBytes = Buffer.byteLength(token, 'utf8');
  if (keyBytes !== AES_KEY_BYTES) {
    issues.push(
      `the AES key is ${keyBytes} bytes, not ${AES_KEY_BYTES}: it is ${keyBytes < AES_KEY_BYTES ? 'padded with zero bytes' : 'cut'} to ${AES_KEY_BYTES} as PHP does`,
    );
  }
  if (tokenBytes !== AES_IV_BYTES) {
    issues.push(
      `the AES token (IV) is ${tokenBytes} bytes, not ${AES_IV_BYTES}: it is ${tokenBytes < AES_IV_BYTES ? 'padded with zero bytes' : 'cut'} to ${AES_IV_BYTES} as PHP does`,
    );
  }
  return issues;
}

/** 1 for the standard base64 alphabet's characters. */
const BASE64_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  BASE64_CHAR[c.charCodeAt(0)] = 1;
}

/**
 * Strict standard base64 with padding: whole quads, alphabet characters, and `=` only as one
 * or two final padding characters. A table loop: a regex here cost a quarter of a decrypt.
 */
export function isStrictBase64(text: string): boolean {
  const n = text.length;
  if (n % 4 !== 0) return false;
  let end = n;
  if (n > 0 && text.charCodeAt(n - 1) === 0x3d) end--;
  if (end < n && text.charCodeAt(n - 2) === 0x3d) end--;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || BASE64_CHAR[c] !== 1) return false;
  }
  return true;
}
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The `PKCS#7` mode's cipher for one key and token, prepared once: PHP's
 * `openssl_encrypt($json, 'AES-256-CBC', $aesKey, OPENSSL_RAW_DATA, $token)` and base64.
 */
export class AesCodec {
  private readonly key: Buffer;
  private readonly iv: Buffer;

  constructor(aesKey: string, token: string) {
    this.key = fitBytes(aesKey, AES_KEY_BYTES);
    this.iv = fitBytes(token, AES_IV_BYTES);
  }

  /** Encrypts UTF-8 text; returns standard base64 with padding. */
  encrypt(plaintext: string): string {
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv);
    return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
  }

  /**
   * Decrypts base64 ciphertext to UTF-8 text. Throws {@link DecryptionError} when the text is
   * not base64, not whole AES blocks, has bad padding (usually a wrong key or token) or does
   * not decrypt to UTF-8.
   */
  decrypt(ciphertext: string): string {
    // A '+' sent without percent-encoding arrives as a space; base64 never has spaces.
    const text = ciphertext.includes(' ') ? ciphertext.replaceAll(' ', '+') : ciphertext;
    if (text.length === 0) throw new DecryptionError('ciphertext is empty');
    if (!isStrictBase64(text)) {
      throw new DecryptionError('ciphertext is not base64 (standard alphabet, with padding)');
    }
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length % 16 !== 0) {
      throw new DecryptionError(
        `ciphertext is ${bytes.length} bytes, not a whole number of 16-byte AES blocks`,
      );
    }
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-cbc', this.key, this.iv);
      plain = Buffer.concat([decipher.update(bytes), decipher.final()]);
    } catch (cause) {
      throw new DecryptionError(
        'ciphertext does not decrypt (bad PKCS#7 padding): most likely the AES key or token differs from the sender’s',
        { cause },
      );
    }
    try {
      return utf8.decode(plain);
    } catch (cause) {
      throw new DecryptionError(
        'decrypted bytes are not UTF-8 text: most likely the AES key or token differs from the sender’s',
        { cause },
      );
    }
  }
}

/** PHP-compatible AES-256-CBC encryption of `plaintext`, base64-encoded. */
export function encryptData(plaintext: string, aesKey: string, token: string): string {
  return new AesCodec(aesKey, token).encrypt(plaintext);
}

/** PHP-compatible AES-256-CBC decryption of base64 `ciphertext`; throws {@link DecryptionError}. */
export function decryptData(ciphertext: string, aesKey: string, token: string): string {
  return new AesCodec(aesKey, token).decrypt(ciphertext);
}
