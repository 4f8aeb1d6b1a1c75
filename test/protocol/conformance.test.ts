import assert from 'node:assert/strict';
import { decryptData, encryptData, signData, verifyData } from '../../lib/index';
import { loadVectorFiles } from '../helpers/conformance';

describe('PHP conformance vectors (../shared/conformance)', () => {
  const files = loadVectorFiles();

  it('finds md5 and aes cases in every file', () => {
    for (const f of files) {
      assert.ok(f.md5.length > 0, `${f.file} has md5 cases`);
      assert.ok(f.aes.length > 0, `${f.file} has aes cases`);
    }
  });

  for (const { file, md5, aes } of files) {
    describe(file, () => {
      it(`signs all ${md5.length} md5 cases exactly as PHP does`, () => {
        for (const [i, v] of md5.entries()) {
          assert.equal(signData(v.data, v.md5_key), v.sign, `md5 case ${i}: ${v.data}`);
        }
      });

      it('verifies PHP signatures, also in upper case, and refuses them under another key', () => {
        for (const [i, v] of md5.entries()) {
          assert.ok(verifyData(v.data, v.sign, v.md5_key), `md5 case ${i}`);
          assert.ok(verifyData(v.data, v.sign.toUpperCase(), [`x${v.md5_key}`, v.md5_key]));
          assert.equal(verifyData(v.data, v.sign, `${v.md5_key}x`), false, `md5 case ${i}`);
        }
      });

      it(`encrypts all ${aes.length} aes cases to PHP's ciphertext`, () => {
        for (const [i, v] of aes.entries()) {
          assert.equal(encryptData(v.plaintext, v.aes_key, v.token), v.ciphertext, `aes case ${i}`);
        }
      });

      it("decrypts PHP's ciphertext back to the plaintext", () => {
        for (const [i, v] of aes.entries()) {
          assert.equal(decryptData(v.ciphertext, v.aes_key, v.token), v.plaintext, `aes case ${i}`);
        }
      });
    });
  }
});
