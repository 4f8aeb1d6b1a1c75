import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, verify } from 'node:crypto';
import {
  buildWechatPayParamsV3,
  generateSandboxRsaKey,
  wechatV3PaySignMessage,
} from '../../lib/wechat/index';

describe('generateSandboxRsaKey', () => {
  const pair = generateSandboxRsaKey();

  it('returns a 2048-bit RSA key pair as PKCS#8 and SPKI PEM', () => {
    assert.match(pair.privateKey, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(pair.publicKey, /^-----BEGIN PUBLIC KEY-----\n/);
    const key = createPrivateKey(pair.privateKey);
    assert.equal(key.asymmetricKeyType, 'rsa');
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(
      createPublicKey(key).export({ type: 'spki', format: 'pem' }),
      pair.publicKey,
      'the public key belongs to the private key',
    );
  });

  it('gives a private key the v3 builder signs with and the public key verifies', () => {
    const params = buildWechatPayParamsV3({
      appId: 'wxsandbox',
      prepayId: 'wx-sandbox-prepay',
      privateKey: pair.privateKey,
    });
    const message = wechatV3PaySignMessage(
      'wxsandbox',
      params.timeStamp,
      params.nonceStr,
      params.package,
    );
    assert.ok(
      verify('sha256', Buffer.from(message), pair.publicKey, Buffer.from(params.paySign, 'base64')),
    );
  });

  it('returns a new key pair on every call', () => {
    assert.notEqual(generateSandboxRsaKey().privateKey, pair.privateKey);
  });
});
