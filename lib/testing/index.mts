// ES module entry of `express-zhichi-pay/testing`; re-exports the CommonJS build.
export * from './index.js';
