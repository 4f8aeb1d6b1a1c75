// ES module entry of `express-zhichi-pay/postgres`; re-exports the CommonJS build.
export * from './postgres.js';
