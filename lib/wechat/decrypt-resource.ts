import { createDecipheriv } from 'node:crypto';
import {
  WechatApiV3KeyError,
  WechatAuthenticationError,
  WechatBase64Error,
  WechatDecryptionError,
} from './errors';
import { describeType } from './pay-params';

/** Bytes of an AES-256 key, which the APIv3 key must be. */
export const WECHAT_API_V3_KEY_BYTES = 32;
/** Bytes of the GCM authentication tag WeChat Pay appends to the ciphertext. */
export const WECHAT_GCM_TAG_BYTES = 16;

/**
 * The `resource` object of a WeChat Pay API v3 callback (and of the platform certificate
 * download), with the field names WeChat uses.
 */
export interface WechatEncryptedResource {
  /** Base64 of the AES-256-GCM ciphertext followed by its 16-byte authentication tag. */
  ciphertext: string;
  /** The GCM nonce (IV), as text; WeChat sends 12 characters. */
  nonce: string;
  /**
   * The additional authenticated data, as text (`'transaction'`, `'refund'`, `'certificate'`…).
   * Absent or `null` means none.
   * @default ''
   */
  associated_data?: string | null;
  /** When present it must be `'AEAD_AES_256_GCM'`, the only algorithm WeChat Pay v3 uses. */
  algorithm?: string;
  /** The type of the plaintext before encryption (`'transaction'`…); informative only. */
  original_type?: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function apiV3KeyBytes(apiV3Key: unknown): Buffer {
  let key: Buffer;
  if (typeof apiV3Key === 'string') key = Buffer.from(apiV3Key, 'utf8');
  else if (apiV3Key instanceof Uint8Array) key = Buffer.from(apiV3Key);
  else {
    throw new WechatApiV3KeyError(
      `apiV3Key must be a string or bytes, got ${describeType(apiV3Key)}`,
    );
  }
  if (key.length !== WECHAT_API_V3_KEY_BYTES) {
    // The length helps the owner spot a pasted API v2 key, a stray newline or a private key,
    // without ever echoing the secret.
    throw new WechatApiV3KeyError(
      `apiV3Key is ${key.length} bytes, not ${WECHAT_API_V3_KEY_BYTES}: use the 32-character APIv3 key set in the WeChat Pay merchant platform`,
    );
  }
  return key;
}

/**
 * Decrypts the `resource` of a WeChat Pay API v3 callback with AEAD_AES_256_GCM and returns the
 * plaintext as UTF-8 text. The APIv3 key is used as its 32 UTF-8 bytes; the `nonce` and
 * `associated_data` as their UTF-8 bytes; the last 16 bytes of the decoded ciphertext are the
 * authentication tag.
 *
 * Throws {@link WechatApiV3KeyError} when the key is not 32 bytes, {@link WechatBase64Error}
 * when the ciphertext is not base64, {@link WechatAuthenticationError} when the tag does not
 * match (wrong key, or tampered data), and {@link WechatDecryptionError} when the resource is
 * malformed, names another algorithm, or the plaintext is not UTF-8.
 *
 * Verify the callback's `Wechatpay-Signature` header before trusting the plaintext: GCM proves
 * the sender knew the APIv3 key, the signature proves it was WeChat Pay.
 */
export function decryptWechatResource(
  resource: WechatEncryptedResource,
  apiV3Key: string | Uint8Array,
): string {
  const key = apiV3KeyBytes(apiV3Key);
  if (typeof resource !== 'object' || resource === null) {
    throw new WechatDecryptionError(
      `resource must be the callback's resource object, got ${describeType(resource)}`,
      'WECHAT_RESOURCE_MALFORMED',
    );
  }
  const { ciphertext, nonce, algorithm } = resource;
  // WeChat documents associated_data as optional; SDKs treat a missing or null one as empty.
  const aad = resource.associated_data ?? '';
  if (algorithm !== undefined && algorithm !== 'AEAD_AES_256_GCM') {
    throw new WechatDecryptionError(
      `resource.algorithm is ${JSON.stringify(algorithm)}, but only AEAD_AES_256_GCM is supported`,
      'WECHAT_RESOURCE_ALGORITHM',
    );
  }
  if (typeof nonce !== 'string' || nonce.length === 0) {
    throw new WechatDecryptionError(
      `resource.nonce must be a non-empty string, got ${typeof nonce === 'string' ? 'an empty one' : describeType(nonce)}`,
      'WECHAT_RESOURCE_MALFORMED',
    );
  }
  if (typeof aad !== 'string') {
    throw new WechatDecryptionError(
      `resource.associated_data must be a string, null or absent, got ${describeType(aad)}`,
      'WECHAT_RESOURCE_MALFORMED',
    );
  }
  if (typeof ciphertext !== 'string' || ciphertext.length === 0) {
    throw new WechatDecryptionError(
      `resource.ciphertext must be a non-empty base64 string, got ${typeof ciphertext === 'string' ? 'an empty one' : describeType(ciphertext)}`,
      'WECHAT_RESOURCE_MALFORMED',
    );
  }
  if (!BASE64.test(ciphertext)) {
    throw new WechatBase64Error(
      'resource.ciphertext is not base64 (standard alphabet, with padding): was the callback body altered or parsed twice?',
    );
  }
  const bytes = Buffer.from(ciphertext, 'base64');
  if (bytes.length < WECHAT_GCM_TAG_BYTES) {
    throw new WechatDecryptionError(
      `resource.ciphertext decodes to ${bytes.length} bytes, too short to hold the ${WECHAT_GCM_TAG_BYTES}-byte authentication tag`,
      'WECHAT_RESOURCE_MALFORMED',
    );
  }
  const body = bytes.subarray(0, bytes.length - WECHAT_GCM_TAG_BYTES);
  const tag = bytes.subarray(bytes.length - WECHAT_GCM_TAG_BYTES);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'utf8'), {
      authTagLength: WECHAT_GCM_TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (cause) {
    throw new WechatAuthenticationError(
      'resource does not authenticate (AES-256-GCM tag mismatch): most likely the APIv3 key differs from the one set in the merchant platform, or the ciphertext, nonce or associated_data was changed',
      { cause },
    );
  }
  try {
    return utf8.decode(plain);
  } catch (cause) {
    throw new WechatDecryptionError(
      'resource decrypted, but the plaintext is not UTF-8 text',
      'WECHAT_RESOURCE_NOT_UTF8',
      { cause },
    );
  }
}

/**
 * {@link decryptWechatResource}, then `JSON.parse` of the plaintext. `T` is not checked at run
 * time: validate the fields you rely on. Throws {@link WechatDecryptionError} with code
 * `WECHAT_RESOURCE_NOT_JSON` when the plaintext is not JSON, besides the errors of
 * {@link decryptWechatResource}.
 */
export function decryptWechatResourceJson<T = unknown>(
  resource: WechatEncryptedResource,
  apiV3Key: string | Uint8Array,
): T {
  const text = decryptWechatResource(resource, apiV3Key);
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    // The plaintext may hold payer data: the message says what failed, not what was read.
    throw new WechatDecryptionError(
      `resource decrypted, but the ${text.length}-character plaintext is not JSON`,
      'WECHAT_RESOURCE_NOT_JSON',
      { cause },
    );
  }
}
