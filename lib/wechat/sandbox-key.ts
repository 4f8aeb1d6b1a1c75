import { generateKeyPairSync } from 'node:crypto';

/** A PEM key pair from {@link generateSandboxRsaKey}. */
export interface SandboxRsaKeyPair {
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), the format of `apiclient_key.pem`. */
  privateKey: string;
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`), to verify `paySign` in a sandbox. */
  publicKey: string;
}

/**
 * A fresh 2048-bit RSA key pair as PEM, for sandboxes, demos and tests only: WeChat Pay knows
 * nothing of it, so its signatures are refused by the real `wx.requestPayment`. In production
 * use the merchant's `apiclient_key.pem` issued by the WeChat Pay merchant platform.
 * Generating takes tens of milliseconds of CPU: call it once at start-up, not per request.
 */
export function generateSandboxRsaKey(): SandboxRsaKeyPair {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}
