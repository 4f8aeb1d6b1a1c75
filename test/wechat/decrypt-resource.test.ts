import assert from 'node:assert/strict';
import { ZhichiError } from '../../lib/protocol/errors';
import { Status } from '../../lib/protocol/status';
import {
  decryptWechatResource,
  decryptWechatResourceJson,
  WechatApiV3KeyError,
  WechatAuthenticationError,
  WechatBase64Error,
  WechatDecryptionError,
  type WechatEncryptedResource,
} from '../../lib/wechat/index';
import { V3_API_KEY } from '../helpers/wechat-fixtures';

// Every ciphertext below was produced independently of this library, with Python's
// `cryptography` package (48.0.0):
//   from cryptography.hazmat.primitives.ciphers.aead import AESGCM
//   base64.b64encode(AESGCM(b'TESTONLYapiV3Key0123456789abcdef')
//       .encrypt(nonce.encode(), plaintext, associated_data.encode() or None))
// AESGCM.encrypt returns the ciphertext followed by the 16-byte tag, as WeChat Pay sends it.

const TRANSACTION_PLAINTEXT =
  '{"mchid":"1900000001","out_trade_no":"ZC20261125000001","transaction_id":"4200000000202611250000000001","trade_state":"SUCCESS","attach":"咫尺","amount":{"total":100,"payer_total":100,"currency":"CNY"}}';
// nonce 'a1b2c3d4e5f6', associated_data 'transaction', plaintext TRANSACTION_PLAINTEXT (UTF-8)
const TRANSACTION: WechatEncryptedResource = {
  original_type: 'transaction',
  algorithm: 'AEAD_AES_256_GCM',
  ciphertext:
    'YyGJvEwb25wi5F7u1yXTg7Jjmg+8ItilSsVfpXn4mx6ZWfU+pyaYjEOShoj8yB2wBu4o7KdEqRBoU2xOT2KI8KCpYJlCmD52Uyn9dXRIfY/yx3vYboJWfCfIUjPORlUwhzNbxcosdDssnQ2xIi/bPHa6KkxxGnXCKcEe40fjBp6L5CdG/AzxRPk64UuBRXuXzGUFy5306zh61FrmPCRUSrU2uLBAD9KYy0Lz/jDyopJBu6TJStTRaoGgo/S+aydrN4SxBIMdjiz9kCvOa52ddX/MpVLE+psxj5uX0w==',
  associated_data: 'transaction',
  nonce: 'a1b2c3d4e5f6',
};
// nonce '0123456789ab', no associated data, plaintext 'plain text, no associated data'
const NO_AAD = {
  ciphertext: 'HHKj7YWE5qUKvobEIHHBMDKh8o6/MXUlTOaf+Fgy9gTKfdX0TMrz38qvnv2MJA==',
  nonce: '0123456789ab',
};
// nonce 'ffffffffffff', associated_data 'transaction', plaintext bytes ff fe 00 62 61 64
const NOT_UTF8 = {
  ciphertext: 'YaFfIexFEKvtjHiNtNRa8GH5cauVNg==',
  nonce: 'ffffffffffff',
  associated_data: 'transaction',
};
// nonce 'notjson12345', associated_data 'transaction', plaintext 'not json at all'
const NOT_JSON = {
  ciphertext: 'vEKxlUDtjQzVhUxQEOEe+qOree70DB0OcewbcbW25A==',
  nonce: 'notjson12345',
  associated_data: 'transaction',
};
// nonce 'emptyplain00', associated_data 'transaction', empty plaintext: only the tag
const EMPTY_PLAINTEXT = {
  ciphertext: 'zrDP7+CmECww4Xdp/JKogQ==',
  nonce: 'emptyplain00',
  associated_data: 'transaction',
};

/** Asserts that `fn` throws an instance of `type` with `code`, without the key in the message. */
function throwsWechat(
  fn: () => unknown,
  type: new (...args: never[]) => WechatDecryptionError,
  code: string,
  message: RegExp,
): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${err}`);
    assert.ok(err instanceof WechatDecryptionError);
    assert.ok(err instanceof ZhichiError);
    assert.equal(err.code, code);
    assert.equal(err.status, Status.INTERNAL_ERROR);
    assert.match(err.message, message);
    assert.equal(err.message.includes(V3_API_KEY), false, 'message must not print the key');
    return true;
  });
}

const TRANSACTION_BYTES = Buffer.from(TRANSACTION.ciphertext, 'base64').length;

/** `base64` with the lowest bit of byte `index` flipped. */
function flipByte(base64: string, index: number): string {
  const bytes = Buffer.from(base64, 'base64');
  assert.ok(index >= 0 && index < bytes.length);
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

describe('decryptWechatResource', () => {
  it('decrypts a transaction resource to the UTF-8 text the independent encryptor sealed', () => {
    assert.equal(decryptWechatResource(TRANSACTION, V3_API_KEY), TRANSACTION_PLAINTEXT);
  });

  it('accepts the key as 32 bytes as well as a 32-character string', () => {
    const key = new Uint8Array(Buffer.from(V3_API_KEY, 'utf8'));
    assert.equal(decryptWechatResource(TRANSACTION, key), TRANSACTION_PLAINTEXT);
  });

  it('treats a missing or null associated_data as empty', () => {
    assert.equal(decryptWechatResource(NO_AAD, V3_API_KEY), 'plain text, no associated data');
    assert.equal(
      decryptWechatResource({ ...NO_AAD, associated_data: '' }, V3_API_KEY),
      'plain text, no associated data',
    );
    assert.equal(
      decryptWechatResource({ ...NO_AAD, associated_data: null }, V3_API_KEY),
      'plain text, no associated data',
    );
  });

  it('decrypts a ciphertext that is only the tag to the empty string', () => {
    assert.equal(decryptWechatResource(EMPTY_PLAINTEXT, V3_API_KEY), '');
  });

  it('refuses a key that is not 32 bytes, naming its length only', () => {
    for (const key of [V3_API_KEY.slice(0, 31), `${V3_API_KEY}x`, `${V3_API_KEY}\n`, '']) {
      throwsWechat(
        () => decryptWechatResource(TRANSACTION, key),
        WechatApiV3KeyError,
        'WECHAT_API_V3_KEY_LENGTH',
        new RegExp(`apiV3Key is ${Buffer.byteLength(key)} bytes, not 32`),
      );
    }
    // 32 characters but 33 bytes in UTF-8.
    throwsWechat(
      () => decryptWechatResource(TRANSACTION, `${V3_API_KEY.slice(0, 31)}é`),
      WechatApiV3KeyError,
      'WECHAT_API_V3_KEY_LENGTH',
      /33 bytes/,
    );
    throwsWechat(
      () => decryptWechatResource(TRANSACTION, 42 as unknown as string),
      WechatApiV3KeyError,
      'WECHAT_API_V3_KEY_LENGTH',
      /must be a string or bytes, got number/,
    );
  });

  it('refuses a ciphertext that is not standard base64', () => {
    for (const ciphertext of [
      'not base64!',
      'YaFf-exF',
      'YaFfIexFEKvtjHiNtNRa8GH5cauVNg',
      'YQ==\n',
    ]) {
      throwsWechat(
        () => decryptWechatResource({ ...TRANSACTION, ciphertext }, V3_API_KEY),
        WechatBase64Error,
        'WECHAT_RESOURCE_BASE64',
        /not base64/,
      );
    }
  });

  it('refuses, as an authentication failure, a wrong key or any changed field', () => {
    const cases: WechatEncryptedResource[] = [
      { ...TRANSACTION, ciphertext: flipByte(TRANSACTION.ciphertext, 0) },
      // The last 16 bytes are the tag.
      { ...TRANSACTION, ciphertext: flipByte(TRANSACTION.ciphertext, TRANSACTION_BYTES - 1) },
      { ...TRANSACTION, ciphertext: flipByte(TRANSACTION.ciphertext, TRANSACTION_BYTES - 16) },
      { ...TRANSACTION, nonce: 'a1b2c3d4e5f7' },
      { ...TRANSACTION, associated_data: 'refund' },
      { ...TRANSACTION, associated_data: undefined },
    ];
    for (const resource of cases) {
      throwsWechat(
        () => decryptWechatResource(resource, V3_API_KEY),
        WechatAuthenticationError,
        'WECHAT_RESOURCE_AUTHENTICATION',
        /does not authenticate.*APIv3 key/,
      );
    }
    throwsWechat(
      () => decryptWechatResource(TRANSACTION, 'TESTONLYapiV3Key0123456789abcdeF'),
      WechatAuthenticationError,
      'WECHAT_RESOURCE_AUTHENTICATION',
      /does not authenticate/,
    );
  });

  it('refuses a ciphertext shorter than the 16-byte tag', () => {
    throwsWechat(
      () =>
        decryptWechatResource({ ...TRANSACTION, ciphertext: 'AAAAAAAAAAAAAAAAAAAA' }, V3_API_KEY),
      WechatDecryptionError,
      'WECHAT_RESOURCE_MALFORMED',
      /15 bytes, too short/,
    );
  });

  it('refuses a malformed resource: not an object, missing nonce or ciphertext, bad associated_data', () => {
    const malformed: [unknown, RegExp][] = [
      [null, /resource must be the callback's resource object, got null/],
      ['ciphertext', /got string/],
      [
        { ...TRANSACTION, nonce: undefined },
        /resource\.nonce must be a non-empty string, got undefined/,
      ],
      [
        { ...TRANSACTION, nonce: '' },
        /resource\.nonce must be a non-empty string, got an empty one/,
      ],
      [
        { ...TRANSACTION, ciphertext: '' },
        /resource\.ciphertext must be a non-empty base64 string/,
      ],
      [{ ...TRANSACTION, ciphertext: 7 }, /got number/],
      [
        { ...TRANSACTION, associated_data: 7 },
        /associated_data must be a string, null or absent, got number/,
      ],
    ];
    for (const [resource, message] of malformed) {
      throwsWechat(
        () => decryptWechatResource(resource as WechatEncryptedResource, V3_API_KEY),
        WechatDecryptionError,
        'WECHAT_RESOURCE_MALFORMED',
        message,
      );
    }
  });

  it('refuses an algorithm other than AEAD_AES_256_GCM', () => {
    throwsWechat(
      () => decryptWechatResource({ ...TRANSACTION, algorithm: 'AEAD_SM4_GCM' }, V3_API_KEY),
      WechatDecryptionError,
      'WECHAT_RESOURCE_ALGORITHM',
      /"AEAD_SM4_GCM".*only AEAD_AES_256_GCM/,
    );
  });

  it('refuses a plaintext that is not UTF-8', () => {
    throwsWechat(
      () => decryptWechatResource(NOT_UTF8, V3_API_KEY),
      WechatDecryptionError,
      'WECHAT_RESOURCE_NOT_UTF8',
      /not UTF-8/,
    );
  });
});

describe('decryptWechatResourceJson', () => {
  it('parses the decrypted JSON', () => {
    const data = decryptWechatResourceJson<{ attach: string; amount: { total: number } }>(
      TRANSACTION,
      V3_API_KEY,
    );
    assert.deepEqual(data, JSON.parse(TRANSACTION_PLAINTEXT));
    assert.equal(data.attach, '咫尺');
    assert.equal(data.amount.total, 100);
  });

  it('refuses a plaintext that is not JSON, without printing it', () => {
    assert.throws(
      () => decryptWechatResourceJson(NOT_JSON, V3_API_KEY),
      (err: unknown) => {
        assert.ok(err instanceof WechatDecryptionError);
        assert.equal(err.code, 'WECHAT_RESOURCE_NOT_JSON');
        assert.match(err.message, /15-character plaintext is not JSON/);
        assert.equal(err.message.includes('not json at all'), false);
        return true;
      },
    );
  });

  it('passes on the decryption errors', () => {
    throwsWechat(
      () => decryptWechatResourceJson(TRANSACTION, V3_API_KEY.slice(1)),
      WechatApiV3KeyError,
      'WECHAT_API_V3_KEY_LENGTH',
      /31 bytes/,
    );
  });
});
