import assert from 'node:assert/strict';
import { decryptData, resolveAppCredentials, signData } from '../../lib/index';
import { errorSealing, seal } from '../../lib/pipeline/seal';
import { AES_KEY, AES_TOKEN, APP_ID, credentials, MD5_KEY } from '../helpers/fixtures';
import { md5Hex } from '../helpers/harness';

const both = resolveAppCredentials(APP_ID, credentials, 'test');
const md5Only = resolveAppCredentials(APP_ID, { md5Key: [MD5_KEY, 'old'] }, 'test');
const aesOnly = resolveAppCredentials(APP_ID, { aesKey: AES_KEY, aesToken: AES_TOKEN }, 'test');

describe('seal', () => {
  it('signs the very JSON text it sends, with the first MD5 key', () => {
    const envelope = seal(md5Only, 'MD5', 'md5', 0, { refund_id: 'R1', total: 0.1 + 0.2 });
    assert.equal(envelope.data, '{"refund_id":"R1","total":0.30000000000000004}');
    assert.equal(envelope.sign, signData(envelope.data, MD5_KEY));
    // PHP decodes 0.30000000000000004 and writes it 0.3 when signing.
    assert.equal(envelope.sign, md5Hex(`refund_id=R1&total=0.3${MD5_KEY}`));
    assert.equal(envelope.sign_type, 'md5');
    assert.equal(envelope.status, 0);
    assert.equal(envelope.app_id, APP_ID);
    assert.equal('msg' in envelope, false);
  });

  it('signs a bare string answer as the string itself', () => {
    const envelope = seal(both, 'MD5', 'MD5', 0, 'NOT_REFUND_YET');
    assert.equal(envelope.data, '"NOT_REFUND_YET"');
    assert.equal(envelope.sign, md5Hex(`NOT_REFUND_YET${MD5_KEY}`));
  });

  it('encrypts in PKCS#7 mode with an empty sign', () => {
    const envelope = seal(aesOnly, 'PKCS#7', 'pkcs7', 42200, { msg: '余额不足' }, '余额不足');
    assert.equal(envelope.sign, '');
    assert.equal(envelope.sign_type, 'pkcs7');
    assert.equal(decryptData(envelope.data, AES_KEY, AES_TOKEN), '{"msg":"余额不足"}');
    assert.equal(envelope.msg, '余额不足');
    assert.equal(envelope.status, 42200);
  });
});

describe('errorSealing', () => {
  it('uses the request’s mode and sign_type when the app holds that key', () => {
    assert.deepEqual(errorSealing(both, 'PKCS#7', 'pkcs7'), { mode: 'PKCS#7', signType: 'pkcs7' });
    assert.deepEqual(errorSealing(both, 'MD5', 'md5'), { mode: 'MD5', signType: 'md5' });
  });

  it('falls back to MD5, else PKCS#7, for an unknown mode or a key the app lacks', () => {
    assert.deepEqual(errorSealing(both, undefined, 'RSA'), { mode: 'MD5', signType: 'MD5' });
    assert.deepEqual(errorSealing(md5Only, 'PKCS#7', 'PKCS#7'), { mode: 'MD5', signType: 'MD5' });
    assert.deepEqual(errorSealing(aesOnly, 'MD5', 'MD5'), { mode: 'PKCS#7', signType: 'PKCS#7' });
    assert.deepEqual(errorSealing(aesOnly, undefined, ''), { mode: 'PKCS#7', signType: 'PKCS#7' });
  });
});
