import { ZhichiError } from '../protocol/errors';
import { Status } from '../protocol/status';

/**
 * Any failure of {@link decryptWechatResource}: the resource is malformed, names another
 * algorithm, or its plaintext is not UTF-8 (or not JSON, for the JSON variant). The specific
 * failures the caller usually wants to tell apart are subclasses: {@link WechatApiV3KeyError},
 * {@link WechatBase64Error} and {@link WechatAuthenticationError}.
 *
 * `status` is `Status.INTERNAL_ERROR`: a WeChat Pay callback that does not decrypt is the
 * merchant's own problem, not a bad envelope from the 咫尺 platform, so it must not be answered
 * to the platform as `DECRYPTION_FAILED` if it ever bubbles out of a handler.
 */
export class WechatDecryptionError extends ZhichiError {
  constructor(message: string, code = 'WECHAT_DECRYPTION_FAILED', options?: { cause?: unknown }) {
    super(message, code, Status.INTERNAL_ERROR, options);
  }
}

/** The APIv3 key is not 32 bytes, so it cannot be an AES-256 key (code `WECHAT_API_V3_KEY_LENGTH`). */
export class WechatApiV3KeyError extends WechatDecryptionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'WECHAT_API_V3_KEY_LENGTH', options);
  }
}

/** `resource.ciphertext` is not standard base64 (code `WECHAT_RESOURCE_BASE64`). */
export class WechatBase64Error extends WechatDecryptionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'WECHAT_RESOURCE_BASE64', options);
  }
}

/**
 * The GCM authentication tag does not match (code `WECHAT_RESOURCE_AUTHENTICATION`): the
 * APIv3 key is not the one WeChat Pay used, or the ciphertext, nonce or associated data was
 * changed on the way.
 */
export class WechatAuthenticationError extends WechatDecryptionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'WECHAT_RESOURCE_AUTHENTICATION', options);
  }
}
