export { generateWechatNonce } from './nonce';
export type {
  WechatPayParams,
  WechatPayParamsBaseOptions,
  WechatPayParamsV2Options,
  WechatPayParamsV3Options,
  WechatSignType,
  WechatV2SignType,
} from './pay-params';
export {
  buildWechatPayParamsV3,
  wechatPrivateKeyOf,
  wechatV3PaySignMessage,
} from './pay-params-v3';
