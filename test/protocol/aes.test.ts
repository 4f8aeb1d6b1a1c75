import assert from 'node:assert/strict';
import {
  AesCodec,
  DecryptionError,
  decryptData,
  describeAesCredentialIssues,
  encryptData,
} from '../../lib/index';

// Every ciphertext below is what PHP 8.2 printed for
//   base64_encode(openssl_encrypt($plaintext, 'AES-256-CBC', $aesKey, OPENSSL_RAW_DATA, $token))
const KEY = '0123456789abcdef0123456789abcdef'; // 32 bytes
const TOKEN = 'fedcba9876543210'; // 16 bytes
const PLAIN = '{"order_id":"A1","total_price":0.01}';
const CIPHER = 'NLxeVO+XLBo6ivNsgM1/UShi7WPfDiZAvcadC2kDA/+0S1cqxvJvILWpY3si/UyN';

const FROM_PHP: { what: string; key: string; token: string; plain: string; cipher: string }[] = [
  { what: '32-byte key, 16-byte token', key: KEY, token: TOKEN, plain: PLAIN, cipher: CIPHER },
  {
    what: 'a short key, zero-padded to 32 bytes',
    key: 'short-key',
    token: TOKEN,
    plain: PLAIN,
    cipher: 'ttAJiP8mYX2nqOsKWuTTpUBRFjA4VPHN5iNbqepCMPOJQfyaugzg0kv01jE8Zl9z',
  },
  {
    what: 'an empty key, all zero bytes',
    key: '',
    token: TOKEN,
    plain: PLAIN,
    cipher: 'XcTClBC5T9lO5fPGLXUEzu8jLuJsOOkV1YxCZ42gb6yWXvDDJmtl5cQt3xNIx/dB',
  },
  {
    what: 'a long key, cut at 32 bytes',
    key: `${KEY}EXTRA-BYTES`,
    token: TOKEN,
    plain: PLAIN,
    cipher: CIPHER,
  },
  {
    what: 'a key cut at 32 bytes in the middle of a UTF-8 character',
    key: '0123456789abcdef0123456789abcde中',
    token: TOKEN,
    plain: PLAIN,
    cipher: 'tkHq/cFTj6z9AxYQqaTzTvadi7rBJ1Y3uysDF3RzkmBWKG6VHGoc0csxrQaWkYYJ',
  },
  {
    what: 'an empty token, an all-zero IV',
    key: KEY,
    token: '',
    plain: PLAIN,
    cipher: 'TvWIFVUgaYoyKa77Co+nsDTehhcwAQ7n7gdCfztuPsEipHxwfG7hk39UPwbkn+H8',
  },
  {
    what: 'a 5-byte token, zero-padded to 16',
    key: KEY,
    token: 'short',
    plain: PLAIN,
    cipher: 'eafQyXUnmOaRqFwxYuyCGaOMZoKllOkMo5x6SezTSu5Tj9Ub3FbW+Oa7BgxUQCn8',
  },
  {
    what: 'a 15-byte token, zero-padded to 16',
    key: KEY,
    token: 'fedcba987654321',
    plain: PLAIN,
    cipher: 'vEut4GoBr9bdEMDpNwmiS3NTUFu5Eq4CEtapYwdurtaIdGruFaYBk+ozcrJsHrX7',
  },
  {
    what: 'a 17-byte token, cut at 16',
    key: KEY,
    token: `${TOKEN}X`,
    plain: PLAIN,
    cipher: CIPHER,
  },
  {
    what: 'a 25-byte token, cut at 16',
    key: KEY,
    token: `${TOKEN}-and-more`,
    plain: PLAIN,
    cipher: CIPHER,
  },
  {
    what: 'an empty plaintext, one block of padding',
    key: KEY,
    token: TOKEN,
    plain: '',
    cipher: 'BJiXSBVu/WANms7iJn3Mww==',
  },
  {
    what: 'a bare string',
    key: KEY,
    token: TOKEN,
    plain: 'SUCCESS',
    cipher: '/B49Rvf8QvJyj42czCru8Q==',
  },
  {
    what: 'exactly one block, so a whole block of padding follows',
    key: KEY,
    token: TOKEN,
    plain: '0123456789abcdef',
    cipher: '9E7Ti56IJCxF5VJXx8nSST3ybvJT3meXJ3GJaofiI4I=',
  },
  {
    what: 'unicode text, encrypted as UTF-8',
    key: KEY,
    token: TOKEN,
    plain: '{"msg":"中文 😀"}',
    cipher: 'TYGys7IByZkjfrn3LmEa6aF1Wmdo/L2334dxAjDf5m8=',
  },
];

function assertDecryptionError(ciphertext: string, key = KEY, token = TOKEN): DecryptionError {
  let caught: unknown;
  try {
    decryptData(ciphertext, key, token);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DecryptionError, `expected a DecryptionError for ${ciphertext}`);
  assert.equal(caught.code, 'DECRYPTION_FAILED');
  assert.equal(caught.status, 40004);
  return caught;
}

describe('encryptData and decryptData (PHP openssl AES-256-CBC)', () => {
  for (const { what, key, token, plain, cipher } of FROM_PHP) {
    it(`encrypts and decrypts with ${what} as PHP does`, () => {
      assert.equal(encryptData(plain, key, token), cipher);
      assert.equal(decryptData(cipher, key, token), plain);
      const codec = new AesCodec(key, token);
      assert.equal(codec.encrypt(plain), cipher);
      assert.equal(codec.decrypt(cipher), plain);
    });
  }

  it('recovers a ciphertext whose + signs arrived as spaces (an unencoded form field)', () => {
    assert.ok(CIPHER.includes('+'));
    assert.equal(decryptData(CIPHER.replaceAll('+', ' '), KEY, TOKEN), PLAIN);
  });

  it('refuses an empty ciphertext', () => {
    assertDecryptionError('');
  });

  it('refuses text that is not standard padded base64', () => {
    for (const text of [
      '!!!!',
      'NLxeVO+XLBo6ivNsgM1/UShi7WPfDiZAvcadC2kDA/+0S1cqxvJvILWpY3si/UyN=',
      'NLxeVO-XLBo6ivNsgM1_UShi7WPfDiZAvcadC2kDA_-0S1cqxvJvILWpY3si_UyN',
      'BJiXSBVu/WANms7iJn3Mww',
      `${CIPHER}\n`,
      '{"order_id":"A1"}',
    ]) {
      assertDecryptionError(text);
    }
  });

  it('refuses a ciphertext that is not a whole number of 16-byte blocks', () => {
    assert.match(assertDecryptionError('YWJj').message, /3 bytes/);
    assertDecryptionError(Buffer.alloc(20).toString('base64'));
    assertDecryptionError(CIPHER.slice(0, 40));
  });

  it('refuses a ciphertext under a wrong key or token (bad padding; PHP returns false)', () => {
    assertDecryptionError(CIPHER, '0123456789abcdef0123456789abcdeX', TOKEN);
    assertDecryptionError(CIPHER, 'short-key', TOKEN);
  });

  it('decrypts under a wrong token with only the first block garbled, as PHP 8.2 does', () => {
    // CBC: the IV only enters the first block, so the padding still checks out. The JSON
    // parse that follows is what catches it (here the text is no longer valid JSON).
    assert.equal(
      decryptData(CIPHER, KEY, 'fedcba9876543211'),
      '{"order_id":"A1#,"total_price":0.01}',
    );
  });

  it('refuses a ciphertext that decrypts to bytes that are not UTF-8', () => {
    // PHP 8.2: openssl_encrypt("{\"a\":\"\xff\xfe\"}", ...) with KEY and TOKEN
    const error = assertDecryptionError('yHB1qvu8dM/mai8RvubrdA==');
    assert.match(error.message, /not UTF-8/);
  });

  it('never puts the key or token in an error message', () => {
    const error = assertDecryptionError(CIPHER, 'a-very-secret-key', 'secret-token-123');
    assert.doesNotMatch(error.message, /secret/);
  });
});

describe('describeAesCredentialIssues', () => {
  it('has nothing to say about a 32-byte key and a 16-byte token', () => {
    assert.deepEqual(describeAesCredentialIssues(KEY, TOKEN), []);
  });

  it('counts UTF-8 bytes, not characters', () => {
    // 31 ASCII characters and 中 (3 bytes): 34 bytes
    const issues = describeAesCredentialIssues('0123456789abcdef0123456789abcde中', TOKEN);
    assert.equal(issues.length, 1);
    assert.match(issues[0] as string, /34 bytes.*cut to 32/);
  });

  it('names a short key and a long token, with lengths but not the secrets', () => {
    const issues = describeAesCredentialIssues('hunter2', `${TOKEN}-and-more`);
    assert.equal(issues.length, 2);
    assert.match(issues[0] as string, /key is 7 bytes.*padded with zero bytes to 32/);
    assert.match(issues[1] as string, /token \(IV\) is 25 bytes.*cut to 16/);
    for (const issue of issues) {
      assert.doesNotMatch(issue, /hunter2|fedcba/);
    }
  });

  it('names an empty token', () => {
    const issues = describeAesCredentialIssues(KEY, '');
    assert.equal(issues.length, 1);
    assert.match(issues[0] as string, /0 bytes.*padded/);
  });
});
