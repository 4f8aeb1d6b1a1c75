import { AesCodec, describeAesCredentialIssues } from './aes';
import { ConfigurationError } from './errors';

/** The keys the platform's back office shows for one `app_id`. */
export interface AppCredentials {
  /**
   * The MD5 key, or several during a rotation: the first signs answers, any of them verifies
   * requests. Needed for `sign_type` `MD5`.
   */
  md5Key?: string | readonly string[];
  /** The AES key (32 bytes; PHP pads or cuts other lengths). Needed for `PKCS#7`. */
  aesKey?: string;
  /** The AES token, used as IV (16 bytes; PHP pads or cuts other lengths). Needed for `PKCS#7`. */
  aesToken?: string;
}

/** Credentials checked and prepared once. */
export interface ResolvedApp {
  appId: string;
  /** Empty when the app has no MD5 key. */
  md5Keys: readonly string[];
  /** Undefined when the app has no AES key. */
  aes: AesCodec | undefined;
  /** Why the AES key or token will be padded or cut; to be logged once, as a warning. */
  warnings: readonly string[];
}

/**
 * Checks one app's credentials and prepares them. Throws {@link ConfigurationError} naming
 * `where` (the option path, e.g. `apps["wx123"]`) and the fix; never prints a key.
 */
export function resolveAppCredentials(
  appId: string,
  credentials: unknown,
  where: string,
): ResolvedApp {
  if (credentials === null || typeof credentials !== 'object') {
    throw new ConfigurationError(
      `${where} must be an object like { md5Key } or { aesKey, aesToken }`,
    );
  }
  const { md5Key, aesKey, aesToken } = credentials as AppCredentials;
  let md5Keys: string[] = [];
  if (md5Key !== undefined) {
    md5Keys = typeof md5Key === 'string' ? [md5Key] : Array.isArray(md5Key) ? [...md5Key] : [];
    if (md5Keys.length === 0 || md5Keys.some((k) => typeof k !== 'string' || k === '')) {
      throw new ConfigurationError(
        `${where}.md5Key must be a non-empty string or a non-empty list of non-empty strings`,
      );
    }
  }
  if ((aesKey === undefined) !== (aesToken === undefined)) {
    throw new ConfigurationError(
      `${where} needs both aesKey and aesToken for PKCS#7 mode, or neither`,
    );
  }
  let aes: AesCodec | undefined;
  let warnings: string[] = [];
  if (aesKey !== undefined && aesToken !== undefined) {
    if (typeof aesKey !== 'string' || aesKey === '') {
      throw new ConfigurationError(`${where}.aesKey must be a non-empty string`);
    }
    if (typeof aesToken !== 'string') {
      throw new ConfigurationError(`${where}.aesToken must be a string`);
    }
    aes = new AesCodec(aesKey, aesToken);
    warnings = describeAesCredentialIssues(aesKey, aesToken);
  }
  if (md5Keys.length === 0 && !aes) {
    throw new ConfigurationError(
      `${where} has no keys: give md5Key for MD5 mode and/or aesKey and aesToken for PKCS#7 mode`,
    );
  }
  return { appId, md5Keys, aes, warnings };
}
