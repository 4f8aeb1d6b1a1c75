export {
  decryptWechatResource,
  decryptWechatResourceJson,
  WECHAT_API_V3_KEY_BYTES,
  WECHAT_GCM_TAG_BYTES,
  type WechatEncryptedResource,
} from './decrypt-resource';
export {
  WechatApiV3KeyError,
  WechatAuthenticationError,
  WechatBase64Error,
  WechatDecryptionError,
} from './errors';
export { generateWechatNonce } from './nonce';
export type {
  WechatPayParams,
  WechatPayParamsBaseOptions,
  WechatPayParamsV2Options,
  WechatPayParamsV3Options,
  WechatSignType,
  WechatV2SignType,
} from './pay-params';
export { buildWechatPayParamsV2, signWechatV2, wechatV2SignString } from './pay-params-v2';
export {
  buildWechatPayParamsV3,
  parseWechatPrivateKey,
  wechatV3PaySignMessage,
} from './pay-params-v3';
export { generateSandboxRsaKey, type SandboxRsaKeyPair } from './sandbox-key';
