import assert from 'node:assert/strict';
import { ConfigurationError } from '../../lib/protocol/errors';
import {
  buildWechatPayParamsV2,
  signWechatV2,
  type WechatPayParamsV2Options,
  wechatV2SignString,
} from '../../lib/wechat/index';
import { APP_ID, NONCE_STR, PREPAY_ID, TIME_STAMP, V2_API_KEY } from '../helpers/wechat-fixtures';

// The string WeChat's v2 rules give for these inputs (names in ASCII order, then &key=), the
// same string fed to openssl below.
const SIGNED_MD5 =
  'appId=wxd678efh567hg6787&nonceStr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&package=prepay_id=wx201410272009395522657a690389285100&signType=MD5&timeStamp=1414561699&key=TESTONLYv2ApiKey0123456789abcdef';

// Produced independently of this library:
//   printf '%s' 'appId=wxd678efh567hg6787&nonceStr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&package=prepay_id=wx201410272009395522657a690389285100&signType=MD5&timeStamp=1414561699&key=TESTONLYv2ApiKey0123456789abcdef' \
//     | openssl dgst -md5            (then upper-cased)
const EXPECTED_MD5 = 'BA5416B929A1534AF764710176CA4357';

// Produced independently of this library:
//   printf '%s' 'appId=wxd678efh567hg6787&nonceStr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&package=prepay_id=wx201410272009395522657a690389285100&signType=HMAC-SHA256&timeStamp=1414561699&key=TESTONLYv2ApiKey0123456789abcdef' \
//     | openssl dgst -sha256 -hmac TESTONLYv2ApiKey0123456789abcdef     (then upper-cased)
const EXPECTED_HMAC = '82EB686FA0F25AB236424BD712A005408BB8266AFBC654604935AD697F8DC5F1';

function options(overrides: Partial<WechatPayParamsV2Options> = {}): WechatPayParamsV2Options {
  return {
    appId: APP_ID,
    prepayId: PREPAY_ID,
    apiKey: V2_API_KEY,
    now: () => TIME_STAMP,
    nonce: () => NONCE_STR,
    ...overrides,
  };
}

function throwsConfig(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigurationError, `expected ConfigurationError, got ${err}`);
    assert.match(err.message, message);
    return true;
  });
}

describe('buildWechatPayParamsV2', () => {
  it('signs with MD5 by default, giving the upper-case digest openssl computed', () => {
    assert.deepEqual(buildWechatPayParamsV2(options()), {
      timeStamp: '1414561699',
      nonceStr: NONCE_STR,
      package: `prepay_id=${PREPAY_ID}`,
      signType: 'MD5',
      paySign: EXPECTED_MD5,
    });
    assert.equal(buildWechatPayParamsV2(options({ signType: 'MD5' })).paySign, EXPECTED_MD5);
  });

  it('signs with HMAC-SHA256 keyed with the API key, giving the digest openssl computed', () => {
    assert.deepEqual(buildWechatPayParamsV2(options({ signType: 'HMAC-SHA256' })), {
      timeStamp: '1414561699',
      nonceStr: NONCE_STR,
      package: `prepay_id=${PREPAY_ID}`,
      signType: 'HMAC-SHA256',
      paySign: EXPECTED_HMAC,
    });
  });

  it('signs appId although it does not return it', () => {
    const params = buildWechatPayParamsV2(options());
    assert.equal(Object.hasOwn(params, 'appId'), false);
    assert.notEqual(
      buildWechatPayParamsV2(options({ appId: 'wx0000000000000000' })).paySign,
      params.paySign,
    );
  });

  it('defaults timeStamp to the current second and nonceStr to 32 random letters and digits', () => {
    const before = Math.floor(Date.now() / 1000);
    const params = buildWechatPayParamsV2({
      appId: APP_ID,
      prepayId: PREPAY_ID,
      apiKey: V2_API_KEY,
    });
    assert.ok(Number(params.timeStamp) >= before);
    assert.ok(Number(params.timeStamp) <= Math.floor(Date.now() / 1000));
    assert.match(params.nonceStr, /^[A-Za-z0-9]{32}$/);
    assert.equal(
      params.paySign,
      signWechatV2(
        {
          appId: APP_ID,
          timeStamp: params.timeStamp,
          nonceStr: params.nonceStr,
          package: params.package,
          signType: 'MD5',
        },
        V2_API_KEY,
      ),
    );
  });

  describe('refuses bad inputs with a ConfigurationError', () => {
    it('refuses an empty, missing or padded apiKey without printing it', () => {
      throwsConfig(() => buildWechatPayParamsV2(options({ apiKey: '' })), /apiKey is empty/);
      throwsConfig(
        () => buildWechatPayParamsV2(options({ apiKey: undefined as unknown as string })),
        /apiKey must be a string/,
      );
      assert.throws(
        () => buildWechatPayParamsV2(options({ apiKey: `${V2_API_KEY}\n` })),
        (err: unknown) =>
          err instanceof ConfigurationError &&
          /apiKey has leading or trailing whitespace/.test(err.message) &&
          !err.message.includes(V2_API_KEY),
      );
    });

    it("refuses 'RSA' and unknown sign types", () => {
      throwsConfig(
        () => buildWechatPayParamsV2(options({ signType: 'RSA' as unknown as 'MD5' })),
        /'MD5' or 'HMAC-SHA256'.*buildWechatPayParamsV3/,
      );
      throwsConfig(
        () => buildWechatPayParamsV2(options({ signType: 'sha1' as unknown as 'MD5' })),
        /got "sha1"/,
      );
    });

    it('refuses bad appId, prepayId, now() and nonce() as the v3 builder does', () => {
      throwsConfig(() => buildWechatPayParamsV2(options({ appId: '' })), /appId is empty/);
      throwsConfig(
        () => buildWechatPayParamsV2(options({ prepayId: `prepay_id=${PREPAY_ID}` })),
        /already starts with 'prepay_id='/,
      );
      throwsConfig(
        () => buildWechatPayParamsV2(options({ now: () => Date.now() })),
        /looks like milliseconds/,
      );
      throwsConfig(
        () => buildWechatPayParamsV2(options({ nonce: () => 'x'.repeat(33) })),
        /nonce\(\) must return 1 to 32/,
      );
    });
  });
});

describe('wechatV2SignString', () => {
  it('orders names by ASCII, skips empty values and sign, and appends the key', () => {
    assert.equal(
      wechatV2SignString(
        {
          timeStamp: String(TIME_STAMP),
          signType: 'MD5',
          package: `prepay_id=${PREPAY_ID}`,
          nonceStr: NONCE_STR,
          appId: APP_ID,
        },
        V2_API_KEY,
      ),
      SIGNED_MD5,
    );
    // ASCII order puts upper case before lower case, unlike localeCompare.
    assert.equal(
      wechatV2SignString({ b: '2', B: '1', a: '', sign: 'X', _c: '3' }, 'k'),
      'B=1&_c=3&b=2&key=k',
    );
  });
});

describe('signWechatV2', () => {
  it('gives the openssl digests for the same fields', () => {
    const fields = {
      appId: APP_ID,
      timeStamp: String(TIME_STAMP),
      nonceStr: NONCE_STR,
      package: `prepay_id=${PREPAY_ID}`,
    };
    assert.equal(signWechatV2({ ...fields, signType: 'MD5' }, V2_API_KEY, 'MD5'), EXPECTED_MD5);
    assert.equal(
      signWechatV2({ ...fields, signType: 'HMAC-SHA256' }, V2_API_KEY, 'HMAC-SHA256'),
      EXPECTED_HMAC,
    );
  });

  it('refuses an unknown sign type and an empty key', () => {
    throwsConfig(
      () => signWechatV2({ a: '1' }, V2_API_KEY, 'RSA' as unknown as 'MD5'),
      /got "RSA"/,
    );
    throwsConfig(() => signWechatV2({ a: '1' }, ''), /apiKey is empty/);
  });
});
