import type { ResolvedApp } from '../protocol/credentials';
import type { RequestEnvelope } from '../protocol/envelope';
import {
  DecryptionError,
  JsonSyntaxError,
  MalformedEnvelopeError,
  SignatureMismatchError,
  UnsupportedSignTypeError,
} from '../protocol/errors';
import { type PhpValue, parsePhpJson } from '../protocol/php-json';
import { canonicalStringOf, verifyCanonical } from '../protocol/sign';
import type { SignMode } from '../protocol/sign-type';

/** The envelope's `data`, proven to come from the platform, as text and as PHP decodes it. */
export interface OpenedData {
  text: string;
  value: PhpValue;
}

/**
 * Proves the envelope came from the holder of the app's keys and decodes its data:
 * MD5 mode verifies the signature over the decoded data, PKCS#7 mode decrypts it.
 */
export function authenticate(
  envelope: RequestEnvelope,
  app: ResolvedApp,
  mode: SignMode,
): OpenedData {
  if (mode === 'MD5') {
    if (app.md5Keys.length === 0) {
      throw new UnsupportedSignTypeError(
        `app ${app.appId} has no MD5 key configured; it only accepts PKCS#7`,
      );
    }
    if (envelope.sign === '') throw new MalformedEnvelopeError('the form has an empty sign field');
    let value: PhpValue;
    try {
      value = parsePhpJson(envelope.data);
    } catch (error) {
      throw new MalformedEnvelopeError(`data is not JSON: ${(error as JsonSyntaxError).message}`, {
        cause: error,
      });
    }
    if (!verifyCanonical(canonicalStringOf(value), envelope.sign, app.md5Keys)) {
      throw new SignatureMismatchError(
        'sign does not match data: most likely the MD5 key differs from the one set in the platform’s back office, or data was altered (re-encoded) on the way',
      );
    }
    return { text: envelope.data, value };
  }
  if (!app.aes) {
    throw new UnsupportedSignTypeError(
      `app ${app.appId} has no AES key and token configured; it only accepts MD5`,
    );
  }
  // Every failure gets the same message (the detail stays in `cause`): telling bad padding
  // apart from a plaintext that is not UTF-8 or not JSON (or where its JSON breaks) would be a
  // CBC padding oracle, letting a caller decrypt captured requests and forge new ones.
  try {
    const text = app.aes.decrypt(envelope.data);
    return { text, value: parsePhpJson(text) };
  } catch (error) {
    if (!(error instanceof DecryptionError) && !(error instanceof JsonSyntaxError)) throw error;
    throw new DecryptionError(
      'data is not the base64 AES-256-CBC encryption of JSON under this app’s key and token: most likely the AES key or token differs from the sender’s',
      { cause: error },
    );
  }
}
