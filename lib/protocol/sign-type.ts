/** The two ways the protocol protects `data`. */
export type SignMode = 'MD5' | 'PKCS#7';

/**
 * Reads a `sign_type` field: `MD5`, or `PKCS#7` (also written `PKCS7`), any letter case.
 * Undefined for anything else.
 */
export function parseSignType(signType: string): SignMode | undefined {
  const upper = signType.toUpperCase();
  if (upper === 'MD5') return 'MD5';
  if (upper === 'PKCS#7' || upper === 'PKCS7') return 'PKCS#7';
  return undefined;
}
