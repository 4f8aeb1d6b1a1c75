import assert from 'node:assert/strict';
import { parseSignType } from '../../lib/index';

// PROTOCOL.md: `MD5` or `PKCS#7`; accept `PKCS7` and any letter case as the same mode.
describe('parseSignType', () => {
  it('reads MD5 in any letter case', () => {
    for (const text of ['MD5', 'md5', 'Md5']) assert.equal(parseSignType(text), 'MD5', text);
  });

  it('reads PKCS#7 and PKCS7 in any letter case as the same mode', () => {
    for (const text of ['PKCS#7', 'pkcs#7', 'PKCS7', 'pkcs7', 'Pkcs7']) {
      assert.equal(parseSignType(text), 'PKCS#7', text);
    }
  });

  it('knows no other mode', () => {
    for (const text of ['', 'SHA1', 'RSA', 'PKCS#5', 'PKCS', 'MD', 'AES']) {
      assert.equal(parseSignType(text), undefined, text);
    }
  });
});
