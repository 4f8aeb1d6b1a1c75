// Protocol core: pure functions, no Express.

// The three platform calls.
export type { EndpointName, EndpointSpec } from './endpoints/endpoint';
export { payParamsEndpoint } from './endpoints/pay-params';
export { refundEndpoint } from './endpoints/refund';
export { refundQueryEndpoint } from './endpoints/refund-query';
export type {
  HandlerContext,
  OrderType,
  PayParams,
  PayParamsHandler,
  PayParamsRequest,
  RefundHandler,
  RefundQueryHandler,
  RefundQueryRequest,
  RefundQueryStatus,
  RefundRequest,
  RefundResult,
  ZhichiLogger,
} from './endpoints/types';
// Express adapter.
export type {
  AppResolver,
  ZhichiCommonOptions,
  ZhichiEndpointOptions,
  ZhichiRouterOptions,
} from './express/options';
export {
  createPayParamsHandler,
  createRefundHandler,
  createRefundQueryHandler,
  createZhichiRouter,
} from './express/router';
// Payment-success notifier and its stores.
export * from './notifier/index';
export { createCallHandler } from './pipeline/call-handler';
export { type CallResult, handleCall } from './pipeline/handle-call';
export {
  AES_IV_BYTES,
  AES_KEY_BYTES,
  AesCodec,
  decryptData,
  describeAesCredentialIssues,
  encryptData,
} from './protocol/aes';
export type { AppCredentials, ResolvedApp } from './protocol/credentials';
export { resolveAppCredentials } from './protocol/credentials';
export { type RequestEnvelope, type ResponseEnvelope, readEnvelope } from './protocol/envelope';
export * from './protocol/errors';
export { fenToYuan, MAX_FEN, yuanToFen } from './protocol/money';
export { phpFloatToString } from './protocol/php-float';
export { PhpArray, type PhpKey, type PhpValue, parsePhpJson, phpToJs } from './protocol/php-json';
export { phpToString } from './protocol/php-string';
export { type SealingKeys, sealRequest } from './protocol/seal-request';
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
// Stores.
export { MemoryRefundStore, type MemoryRefundStoreOptions } from './stores/memory-refund-store';
export {
  type RefundClaim,
  type RefundOutcome,
  type RefundRecord,
  type RefundStore,
  refundStoreKey,
} from './stores/refund-store';
export * from './wechat/index';
