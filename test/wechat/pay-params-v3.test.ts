import assert from 'node:assert/strict';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  verify,
} from 'node:crypto';
import { ConfigurationError } from '../../lib/protocol/errors';
import {
  buildWechatPayParamsV3,
  parseWechatPrivateKey,
  type WechatPayParamsV3Options,
  wechatV3PaySignMessage,
} from '../../lib/wechat/index';
import {
  APP_ID,
  NONCE_STR,
  PREPAY_ID,
  TEST_PRIVATE_KEY_PEM,
  TIME_STAMP,
} from '../helpers/wechat-fixtures';

// Produced independently of this library, with the TEST ONLY fixture key:
//   printf 'wxd678efh567hg6787\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n' \
//     | openssl dgst -sha256 -sign test/fixtures/wechat-test-key.pem | base64 -w0
// (OpenSSL 3.0.19; RSA PKCS#1 v1.5 is deterministic, so the signature is exact.)
const EXPECTED_PAY_SIGN =
  'J+dF66n7VYV2FNCTzI7fy2+vqBi4w4Qu8meL0q+CWgGb5Mqbm4fJKA93EjSQ51wPSCHie6A9eSgk08LB2LKbpAwBJ6SXoy6kanQIOZ+VL2nS11knZu2RCgoLBfhkOrbqb5w/M8QAHdGCQZhf+Zi2A5lRFwvQB2jT5YX8BWRvszSqVvyfyZOnsAOucgClGK9Ttri2FqwcPvYCkyKz2r6r0ZH3JkAFjXDMJkN8QF7OpgmRxxeK7cCJWHKcPfg0F4ozGumu3zjJMfdxuyaUvpVEraSI9lL9TQ6IxxM42vMjS8mzKD394l0OZOhRMByzT46ZApcDuTZrycLOx4k7OywUMg==';

// Only the armour matters to the key checks; the body is not a real certificate.
const CERTIFICATE_PEM = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';

function options(overrides: Partial<WechatPayParamsV3Options> = {}): WechatPayParamsV3Options {
  return {
    appId: APP_ID,
    prepayId: PREPAY_ID,
    privateKey: TEST_PRIVATE_KEY_PEM,
    now: () => TIME_STAMP,
    nonce: () => NONCE_STR,
    ...overrides,
  };
}

function throwsConfig(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigurationError, `expected ConfigurationError, got ${err}`);
    assert.equal(err.code, 'CONFIGURATION');
    assert.match(err.message, message);
    return true;
  });
}

describe('buildWechatPayParamsV3', () => {
  it('returns the five params with the paySign openssl computed for the same inputs', () => {
    assert.deepEqual(buildWechatPayParamsV3(options()), {
      timeStamp: '1414561699',
      nonceStr: NONCE_STR,
      package: `prepay_id=${PREPAY_ID}`,
      signType: 'RSA',
      paySign: EXPECTED_PAY_SIGN,
    });
  });

  it('signs the same with a KeyObject as with the PEM string', () => {
    const key = createPrivateKey(TEST_PRIVATE_KEY_PEM);
    assert.equal(buildWechatPayParamsV3(options({ privateKey: key })).paySign, EXPECTED_PAY_SIGN);
  });

  it('produces a signature that crypto.verify accepts with the public key, over the documented message', () => {
    const publicKey = createPublicKey(TEST_PRIVATE_KEY_PEM);
    const params = buildWechatPayParamsV3(options({ now: () => 1764097200, nonce: () => 'abc' }));
    const message = `${APP_ID}\n1764097200\nabc\nprepay_id=${PREPAY_ID}\n`;
    assert.equal(wechatV3PaySignMessage(APP_ID, '1764097200', 'abc', params.package), message);
    const signature = Buffer.from(params.paySign, 'base64');
    assert.ok(verify('sha256', Buffer.from(message), publicKey, signature));
    assert.equal(verify('sha256', Buffer.from(`${message}x`), publicKey, signature), false);
  });

  it('defaults timeStamp to the current second and nonceStr to 32 random letters and digits', () => {
    const before = Math.floor(Date.now() / 1000);
    const a = buildWechatPayParamsV3({
      appId: APP_ID,
      prepayId: PREPAY_ID,
      privateKey: TEST_PRIVATE_KEY_PEM,
    });
    const after = Math.floor(Date.now() / 1000);
    assert.match(a.timeStamp, /^\d+$/);
    assert.ok(Number(a.timeStamp) >= before && Number(a.timeStamp) <= after);
    assert.match(a.nonceStr, /^[A-Za-z0-9]{32}$/);
    const b = buildWechatPayParamsV3(options({ now: undefined, nonce: undefined }));
    assert.notEqual(a.nonceStr, b.nonceStr);
    const message = wechatV3PaySignMessage(APP_ID, a.timeStamp, a.nonceStr, a.package);
    const publicKey = createPublicKey(TEST_PRIVATE_KEY_PEM);
    assert.ok(verify('sha256', Buffer.from(message), publicKey, Buffer.from(a.paySign, 'base64')));
  });

  it('signs with the KeyObject parseWechatPrivateKey returns, which is the given one if already parsed', () => {
    const key = parseWechatPrivateKey(TEST_PRIVATE_KEY_PEM);
    assert.equal(key.type, 'private');
    assert.equal(key.asymmetricKeyType, 'rsa');
    assert.equal(parseWechatPrivateKey(key), key);
    assert.equal(buildWechatPayParamsV3(options({ privateKey: key })).paySign, EXPECTED_PAY_SIGN);
    throwsConfig(() => parseWechatPrivateKey(createPublicKey(key)), /public key/);
  });

  it('finds the private key in a PEM bundle that also holds a certificate', () => {
    const bundle = `${CERTIFICATE_PEM}${TEST_PRIVATE_KEY_PEM}`;
    assert.equal(
      buildWechatPayParamsV3(options({ privateKey: bundle })).paySign,
      EXPECTED_PAY_SIGN,
    );
  });

  describe('refuses bad inputs with a ConfigurationError', () => {
    it('refuses a missing, empty, padded or multi-line appId', () => {
      throwsConfig(() => buildWechatPayParamsV3(options({ appId: '' })), /appId is empty/);
      throwsConfig(
        () => buildWechatPayParamsV3(options({ appId: undefined as unknown as string })),
        /appId must be a string, got undefined/,
      );
      throwsConfig(
        () => buildWechatPayParamsV3(options({ appId: `${APP_ID}\n` })),
        /appId has leading or trailing whitespace/,
      );
      throwsConfig(
        () => buildWechatPayParamsV3(options({ appId: 'wx1\nwx2' })),
        /appId contains a line break/,
      );
    });

    it('refuses an empty prepayId and one that already has the prepay_id= prefix', () => {
      throwsConfig(() => buildWechatPayParamsV3(options({ prepayId: '' })), /prepayId is empty/);
      throwsConfig(
        () => buildWechatPayParamsV3(options({ prepayId: 42 as unknown as string })),
        /prepayId must be a string, got number/,
      );
      throwsConfig(
        () => buildWechatPayParamsV3(options({ prepayId: `prepay_id=${PREPAY_ID}` })),
        /already starts with 'prepay_id='/,
      );
    });

    it('refuses a privateKey that is missing, empty, not PEM or not a private key', () => {
      throwsConfig(
        () => buildWechatPayParamsV3(options({ privateKey: undefined as unknown as string })),
        /privateKey must be a PEM string or a KeyObject, got undefined/,
      );
      throwsConfig(
        () => buildWechatPayParamsV3(options({ privateKey: '  ' })),
        /privateKey is empty/,
      );
      throwsConfig(
        () => buildWechatPayParamsV3(options({ privateKey: '/etc/wechat/apiclient_key.pem' })),
        /not PEM.*file path/,
      );
      throwsConfig(
        () =>
          buildWechatPayParamsV3(
            options({
              privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
            }),
          ),
        /does not parse as a private key/,
      );
    });

    it('points at apiclient_cert.pem when given a public key, as PEM or KeyObject', () => {
      const publicPem = createPublicKey(TEST_PRIVATE_KEY_PEM).export({
        type: 'spki',
        format: 'pem',
      }) as string;
      throwsConfig(
        () => buildWechatPayParamsV3(options({ privateKey: publicPem })),
        /certificate or public key PEM.*apiclient_key\.pem/,
      );
      throwsConfig(
        () => buildWechatPayParamsV3(options({ privateKey: CERTIFICATE_PEM })),
        /certificate or public key PEM.*not apiclient_cert\.pem/,
      );
      throwsConfig(
        () =>
          buildWechatPayParamsV3(options({ privateKey: createPublicKey(TEST_PRIVATE_KEY_PEM) })),
        /privateKey is a public key/,
      );
    });

    it('refuses non-RSA keys: EC and RSA-PSS', () => {
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      throwsConfig(
        () => buildWechatPayParamsV3(options({ privateKey: ec })),
        /privateKey is a key of type ec, but WeChat Pay API v3 signs with RSA/,
      );
      const pss: KeyObject = generateKeyPairSync('rsa-pss', { modulusLength: 1024 }).privateKey;
      throwsConfig(
        () => buildWechatPayParamsV3(options({ privateKey: pss })),
        /key of type rsa-pss/,
      );
    });

    it('asks for the passphrase of an encrypted PEM, without printing the key', () => {
      const encrypted = createPrivateKey(TEST_PRIVATE_KEY_PEM).export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: 'test-only',
      }) as string;
      throwsConfig(
        () => buildWechatPayParamsV3(options({ privateKey: encrypted })),
        /encrypted PEM.*passphrase/,
      );
    });

    it('refuses a now() that returns milliseconds, a fraction or not a number', () => {
      throwsConfig(
        () => buildWechatPayParamsV3(options({ now: () => 1414561699000 })),
        /looks like milliseconds/,
      );
      throwsConfig(
        () => buildWechatPayParamsV3(options({ now: () => 1414561699.5 })),
        /whole number of seconds, got number 1414561699\.5/,
      );
      throwsConfig(
        () => buildWechatPayParamsV3(options({ now: () => -1 })),
        /non-negative whole number/,
      );
      throwsConfig(
        () => buildWechatPayParamsV3(options({ now: () => '1414561699' as unknown as number })),
        /got string/,
      );
    });

    it('refuses a nonce() that is empty, longer than 32 characters or has spaces or line breaks', () => {
      for (const bad of ['', 'x'.repeat(33), 'a b', 'ab\n', '咫尺']) {
        throwsConfig(
          () => buildWechatPayParamsV3(options({ nonce: () => bad })),
          /nonce\(\) must return 1 to 32 printable ASCII characters/,
        );
      }
      throwsConfig(
        () => buildWechatPayParamsV3(options({ nonce: () => 7 as unknown as string })),
        /got number/,
      );
    });
  });

  it('never puts the private key in an error message', () => {
    const body = TEST_PRIVATE_KEY_PEM.split('\n')[5] ?? '';
    assert.ok(body.length > 20);
    const broken = TEST_PRIVATE_KEY_PEM.replace(body, body.slice(0, 10));
    assert.throws(
      () => buildWechatPayParamsV3(options({ privateKey: broken })),
      (err: unknown) =>
        err instanceof ConfigurationError && !err.message.includes(body.slice(0, 10)),
    );
  });
});
