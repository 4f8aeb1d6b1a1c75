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
  wechatPrivateKeyOf,
  wechatV3PaySignMessage,
} from './pay-params-v3';
