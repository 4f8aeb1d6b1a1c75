// ES module entry: re-exports the CommonJS build so both `import` and `require` share one
// copy of every class (an `instanceof ZhichiError` check works whichever way it was loaded).
export * from './index.js';
