/** The two ways the protocol protects `data`. */
export type SignMode = 'MD5' | 'PKCS#7';

/**
 * Reads a `sign_type` field: `MD5`, or `PKCS#7` (also written `PKCS7`), any letter case.
 * Undefined for anything else.
 */
export function parseSignType(signType: string): SignMode | undefined {
  // ASCII-only case folding: toUpperCase() would also turn 'ſ' (long s) into 'S'.
  if (/^md5$/i.test(signType)) return 'MD5';
  if (/^pkcs#?7$/i.test(signType)) return 'PKCS#7';
  return undefined;
}
