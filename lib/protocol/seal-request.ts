import { AesCodec } from './aes';
import type { RequestEnvelope } from './envelope';
import { ConfigurationError } from './errors';
import { signData } from './sign';
import { parseSignType } from './sign-type';

/** The keys needed to seal a request in one mode or the other. */
export interface SealingKeys {
  /** For `MD5`. */
  md5Key?: string;
  /** For `PKCS#7`, with `aesToken`. */
  aesKey?: string;
  aesToken?: string;
}

/**
 * Builds a request envelope as the platform (or a notifier) sends it: `data` is the JSON
 * text (given as is when a string, else `JSON.stringify`d), MD5-signed, or AES-encrypted
 * with an empty `sign`. `signType` is written as given (`MD5`, `PKCS#7`, `pkcs7`…).
 */
export function sealRequest(
  appId: string,
  data: unknown,
  keys: SealingKeys,
  signType = 'MD5',
): RequestEnvelope {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  const mode = parseSignType(signType);
  if (mode === 'MD5') {
    if (!keys.md5Key) throw new ConfigurationError('sealing an MD5 request needs md5Key');
    return { app_id: appId, data: text, sign: signData(text, keys.md5Key), sign_type: signType };
  }
  if (mode === 'PKCS#7') {
    if (keys.aesKey === undefined || keys.aesToken === undefined) {
      throw new ConfigurationError('sealing a PKCS#7 request needs aesKey and aesToken');
    }
    return {
      app_id: appId,
      data: new AesCodec(keys.aesKey, keys.aesToken).encrypt(text),
      sign: '',
      sign_type: signType,
    };
  }
  throw new ConfigurationError(`sign_type ${JSON.stringify(signType)} is neither MD5 nor PKCS#7`);
}
