import assert from 'node:assert/strict';
import {
  canonicalString,
  canonicalStringOf,
  JsonSyntaxError,
  MalformedEnvelopeError,
  parsePhpJson,
  signCanonical,
  signData,
  verifyCanonical,
  verifyData,
} from '../../lib/index';

// Each `canon` and `sign` below is what the platform's own PHP function printed under
// PHP 8.2 (precision=14) for `getSign(json_decode($text, true))` with the md5 key `k`:
//   function getSign($data): string { if (is_string($data)) { $str = $data; } else {
//     ksort($data); $str = ''; foreach ($data as $key => $value) { $str .= "&{$key}={$value}"; }
//     $str = substr($str, 1); } return strtolower(md5($str.$md5key)); }
const KEY = 'k';
const FROM_PHP: { what: string; text: string; canon: string; sign: string }[] = [
  {
    what: 'a get-pay-params request, keys sorted by bytes',
    text: '{"order_id":"T20261125001","openid":"oXyz-123_abc","total_price":0.01,"order_type":1,"app_id":"wx1234"}',
    canon: 'app_id=wx1234&openid=oXyz-123_abc&order_id=T20261125001&order_type=1&total_price=0.01',
    sign: '1fd8cdbaa941dcc82356be8aa17dff99',
  },
  {
    what: 'float noise rounded away at 14 digits',
    text: '{"total_price":1537.1999999999998,"b":0.30000000000000004}',
    canon: 'b=0.3&total_price=1537.2',
    sign: '22139739afda6e831f85defca8bf46f0',
  },
  {
    what: 'true as 1, false and null as nothing',
    text: '{"a":true,"b":false,"c":null,"d":"x"}',
    canon: 'a=1&b=&c=&d=x',
    sign: 'fbe0e2c8fd479374f564b5306d3768df',
  },
  {
    what: 'nested objects and arrays, even empty, as Array',
    text: '{"z":{"x":1},"y":[1,2],"x":[],"w":{}}',
    canon: 'w=Array&x=Array&y=Array&z=Array',
    sign: 'dbcd6276d1ab3a4060e20716c7c995bb',
  },
  {
    what: 'integers exact beyond 2^53, and one past int64 as a float',
    text: '{"id":9007199254740993,"max":9223372036854775807,"min":-9223372036854775808,"over":9223372036854775808}',
    canon:
      'id=9007199254740993&max=9223372036854775807&min=-9223372036854775808&over=9.2233720368548E+18',
    sign: '7b8654e65f99d187a10b5c03ee2c478b',
  },
  {
    what: 'integer -0 as 0, float -0.0 as -0',
    text: '{"i":-0,"f":-0.0}',
    canon: 'f=-0&i=0',
    sign: 'f0f7011045ba6ca381d5f888367a0bd7',
  },
  {
    what: 'floats in scientific form, a tie to even and INF',
    text: '{"big":1e25,"tie":10000000000000.5,"small":2.5e-5,"inf":1e400}',
    canon: 'big=1.0E+25&inf=INF&small=2.5E-5&tie=10000000000000',
    sign: 'b323134ce7f8b183ba652a038719e2d8',
  },
  {
    what: 'unicode, raw and escaped, with a surrogate pair',
    text: '{"msg":"退款成功 😀","esc":"\\u4e2d\\ud83d\\ude00"}',
    canon: 'esc=中😀&msg=退款成功 😀',
    sign: '0146ca70761f0178b4ec811c9352e109',
  },
  {
    what: 'values holding & and = unescaped, and an empty string',
    text: '{"a":"x&b=y","c":""}',
    canon: 'a=x&b=y&c=',
    sign: '0fa0d0de940e621a0677893494f72da8',
  },
  {
    what: 'a duplicate key: the last value',
    text: '{"a":1,"a":2}',
    canon: 'a=2',
    sign: '3af9793b55f7953427993f21c035b3d4',
  },
  {
    what: 'whitespace around tokens does not matter',
    text: ' { "b" : 2 ,\n "a" : 1 } ',
    canon: 'a=1&b=2',
    sign: 'af97cb1e07cd9f9f1279e0bae215015d',
  },
  {
    what: 'numeric-looking keys in PHP ksort order',
    text: '{"10":"x","9":"y","a":"z"," 5":"w","1e1":"v"}',
    canon: ' 5=w&9=y&10=x&1e1=v&a=z',
    sign: '1f6827c9bdaa3b39ee3ac2dc578a177e',
  },
  {
    what: 'a top-level list, in index order',
    text: '["b","a",1.5,true,null,[1]]',
    canon: '0=b&1=a&2=1.5&3=1&4=&5=Array',
    sign: 'acb45470e8d3cb317d4558c13fd9657f',
  },
  {
    what: 'a top-level string signed as itself (refund query answer)',
    text: '"SUCCESS"',
    canon: 'SUCCESS',
    sign: '24e0e76dd6163bd41e90feccdbb1efc5',
  },
  {
    what: 'another refund query answer',
    text: '"NOT_REFUND_YET"',
    canon: 'NOT_REFUND_YET',
    sign: '57ad765549991c0bcd912f0772bbab79',
  },
  {
    what: 'a top-level string with an escape',
    text: '"\\u4e2d文"',
    canon: '中文',
    sign: '93e6e81d0868cd99d899377d131bb187',
  },
  { what: 'an empty object', text: '{}', canon: '', sign: '8ce4b16b22b58894aa86c421e8759df3' },
  { what: 'an empty list', text: '[]', canon: '', sign: '8ce4b16b22b58894aa86c421e8759df3' },
  { what: 'an empty string', text: '""', canon: '', sign: '8ce4b16b22b58894aa86c421e8759df3' },
  {
    what: 'a refund answer',
    text: '{"refund_id":"R1"}',
    canon: 'refund_id=R1',
    sign: 'e61b877134c1aefcfc3206c2ba788c68',
  },
];

describe('canonicalString and signData (PHP getSign)', () => {
  for (const { what, text, canon, sign } of FROM_PHP) {
    it(`signs ${what} as PHP does`, () => {
      assert.equal(canonicalString(text), canon);
      assert.equal(canonicalStringOf(parsePhpJson(text)), canon);
      assert.equal(signData(text, KEY), sign);
      assert.equal(signCanonical(canon, KEY), sign);
    });
  }

  it('appends a non-ASCII md5 key as UTF-8 (PHP 8.2, key 密钥)', () => {
    assert.equal(signData('{"refund_id":"R1"}', '密钥'), 'b1f2360b07d235129b9d37c8c320b11c');
  });

  it('refuses a bare number, boolean or null, on which PHP getSign throws a TypeError', () => {
    for (const text of ['5', '1.5', 'true', 'false', 'null']) {
      assert.throws(() => canonicalString(text), MalformedEnvelopeError, text);
      assert.throws(() => signData(text, KEY), MalformedEnvelopeError, text);
    }
  });

  it('refuses text PHP cannot decode', () => {
    for (const text of ['', '{"a":1,}', '[01]', 'NaN', "{'a':1}", '{"a":"\u0001"}']) {
      assert.throws(() => signData(text, KEY), JsonSyntaxError, JSON.stringify(text));
    }
  });

  it('writes 32 lowercase hex digits', () => {
    assert.match(signData('{"a":1}', 'any key'), /^[0-9a-f]{32}$/);
  });
});

describe('verifyData and verifyCanonical', () => {
  const text = FROM_PHP[0]?.text as string;
  const sign = FROM_PHP[0]?.sign as string;

  it('accepts PHP’s signature, in lower or upper case', () => {
    assert.equal(verifyData(text, sign, KEY), true);
    assert.equal(verifyData(text, sign.toUpperCase(), KEY), true);
  });

  it('accepts a signature made with any key of the list, whatever its position', () => {
    assert.equal(verifyData(text, sign, [KEY, 'old']), true);
    assert.equal(verifyData(text, sign, ['new', KEY]), true);
    assert.equal(verifyData(text, sign, ['a', 'b', KEY, 'c']), true);
  });

  it('refuses a signature under a wrong key or an empty key list', () => {
    assert.equal(verifyData(text, sign, 'K'), false);
    assert.equal(verifyData(text, sign, ['a', 'b']), false);
    assert.equal(verifyData(text, sign, []), false);
  });

  it('refuses a signature of another text', () => {
    assert.equal(verifyData(text.replace('0.01', '0.02'), sign, KEY), false);
  });

  it('refuses a signature of the wrong length or with non-hex characters', () => {
    assert.equal(verifyData(text, sign.slice(0, 31), KEY), false);
    assert.equal(verifyData(text, `${sign}0`, KEY), false);
    assert.equal(verifyData(text, '', KEY), false);
    assert.equal(verifyData(text, ` ${sign.slice(1)}`, KEY), false);
    assert.equal(verifyData(text, `${sign.slice(0, 31)}g`, KEY), false);
  });

  it('refuses (false, no throw) text PHP cannot decode or cannot sign', () => {
    const emptySign = '8ce4b16b22b58894aa86c421e8759df3'; // md5('k'): what '' would sign as
    for (const bad of ['', '{"a":1,}', 'NaN', '5', 'null', '["\\ud83d"]']) {
      assert.equal(verifyData(bad, emptySign, KEY), false, JSON.stringify(bad));
    }
  });

  it('verifies a canonical string directly', () => {
    assert.equal(verifyCanonical('SUCCESS', '24e0e76dd6163bd41e90feccdbb1efc5', KEY), true);
    assert.equal(verifyCanonical('SUCCESS', '24E0E76DD6163BD41E90FECCDBB1EFC5', [KEY]), true);
    assert.equal(verifyCanonical('FAIL', '24e0e76dd6163bd41e90feccdbb1efc5', KEY), false);
  });
});
