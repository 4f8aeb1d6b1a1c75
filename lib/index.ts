export {
  AES_IV_BYTES,
  AES_KEY_BYTES,
  AesCodec,
  decryptData,
  describeAesCredentialIssues,
  encryptData,
} from './protocol/aes';
export * from './protocol/errors';
export { phpFloatToString } from './protocol/php-float';
export { PhpArray, type PhpKey, type PhpValue, parsePhpJson, phpToJs } from './protocol/php-json';
export { phpToString } from './protocol/php-string';
export {
  canonicalString,
  canonicalStringOf,
  signCanonical,
  signData,
  verifyCanonical,
  verifyData,
} from './protocol/sign';
export { parseSignType, type SignMode } from './protocol/sign-type';
export { Status, type StatusCode } from './protocol/status';
export { MemoryRefundStore, type MemoryRefundStoreOptions } from './stores/memory-refund-store';
export type { RefundClaim, RefundOutcome, RefundRecord, RefundStore } from './stores/refund-store';
