import assert from 'node:assert/strict';
import { canonicalString, parsePhpJson, signData } from '../../lib/index';
import type { PhpArray, PhpKey } from '../../lib/protocol/php-json';
import { compareBytes, comparePhpKeys, phpKsort } from '../../lib/protocol/php-key-order';

// Every expected order and comparison below is what PHP 8.2 printed (`$a <=> $b` for one
// pair of keys, `ksort()` on `json_decode($text, true)` for an order), unless it says it
// follows from a documented rule.

/** The keys of a decoded object, integer keys as PHP makes them. */
function keysOf(json: string): PhpKey[] {
  return Array.from((parsePhpJson(json) as PhpArray).entries.keys());
}

/** The ksort order of a decoded object, written like PHP's var_dump: `i:` int, `s:` string. */
function ksortOf(json: string): string[] {
  return phpKsort(keysOf(json)).map((k) => `${typeof k === 'bigint' ? 'i' : 's'}:${k}`);
}

const sign = (n: number) => (n > 0 ? 1 : n < 0 ? -1 : 0);

describe('comparePhpKeys (PHP 8 ksort SORT_REGULAR)', () => {
  const cases: [PhpKey, PhpKey, number][] = [
    // plain words: byte order, upper case before lower case, a prefix first
    ['a', 'b', -1],
    ['B', 'a', -1],
    ['ab', 'a', 1],
    ['', 'a', -1],
    // integer keys and numeric strings compare as numbers
    [10n, '9', 1],
    [10n, '1e1', 0],
    [' 5', 9n, -1],
    ['5 ', 9n, -1],
    ['1e1', '9', 1],
    ['1.5', '.5', 1],
    ['5.', '4', 1],
    ['007', '7', 0],
    ['007', 7n, 0],
    ['-0', '0', 0],
    ['-0', 0n, 0],
    ['-3', '-10', 1],
    ['1e1', '1e+1', 0],
    ['\t7', '7\n', 0],
    ['\v8', '9', -1],
    ['9007199254740993', '9007199254740992.0', 0],
    [9007199254740993n, '9007199254740992.0', 0],
    // an integer against a non-numeric string: the integer's digits by bytes
    [10n, 'a', -1],
    [-3n, 'a', -1],
    ['abc', 0n, 1],
    [0n, '', 1],
    ['1_000', '2', -1],
    ['INF', 'NAN', -1],
    // a numeric string against a non-numeric one: bytes
    ['+5', '0x1A', -1],
    ['0x1A', '1e-5', -1],
    ['1e-5', '+5', -1],
    // beyond the signed 64-bit range
    ['9223372036854775808', '9223372036854775807', 1],
    ['9223372036854775808', 9223372036854775807n, 0],
    ['99999999999999999999', '99999999999999999998', 1],
    ['-99999999999999999999', '-99999999999999999998', 1],
    ['123456789012345678901.5', '123456789012345678901.6', -1],
    ['1e400', '2e400', -1],
    ['-1e400', '-2e400', -1],
    ['9223372036854775808', '1e400', -1],
    // UTF-8 byte order, not UTF-16 code unit order: U+FFFF and U+E000 sort before an emoji
    ['\uffff', '😀', -1],
    ['\ue000', '😀', -1],
    ['中', '😀', -1],
  ];
  for (const [a, b, expected] of cases) {
    it(`${JSON.stringify(String(a))}${typeof a === 'bigint' ? ' (int)' : ''} <=> ${JSON.stringify(String(b))}${typeof b === 'bigint' ? ' (int)' : ''} is ${expected}`, () => {
      assert.equal(sign(comparePhpKeys(a, b)), expected);
      assert.equal(sign(comparePhpKeys(b, a)), sign(-expected));
    });
  }

  it('compares by UTF-8 bytes across the surrogate range (documented rule: UTF-8 order is code point order)', () => {
    assert.equal(sign(compareBytes('\uffff', '\u{10000}')), -1);
    assert.equal(sign(compareBytes('\ud7ff', '\u{10000}')), -1);
    assert.equal(sign(compareBytes('\u{10ffff}', '\u{10000}')), 1);
    assert.equal(compareBytes('abc', 'abc'), 0);
  });
});

describe('phpKsort (PHP 8 ksort)', () => {
  it('orders the protocol’s plain keys by bytes', () => {
    assert.deepEqual(
      ksortOf(
        '{"b":0,"a":0,"B":0,"_":0,"a_b":0,"ab":0,"A":0,"é":0,"中":0,"😀":0,"\\uffff":0,"\\ue000":0,"":0}',
      ),
      [
        's:',
        's:A',
        's:B',
        's:_',
        's:a',
        's:a_b',
        's:ab',
        's:b',
        's:é',
        's:中',
        's:\ue000',
        's:\uffff',
        's:😀',
      ],
    );
  });

  it('orders numeric keys numerically, and keeps keys PHP finds equal in their original order', () => {
    assert.deepEqual(ksortOf('{"10":0,"9":0,"a":0," 5":0,"1e1":0}'), [
      's: 5',
      'i:9',
      'i:10',
      's:1e1',
      's:a',
    ]);
    assert.deepEqual(ksortOf('{"1e1":0,"10":0,"9":0,"a":0," 5":0}'), [
      's: 5',
      'i:9',
      's:1e1',
      'i:10',
      's:a',
    ]);
    assert.deepEqual(ksortOf('{"1.0":0,"1":0,"1.00":0,"01":0}'), [
      's:1.0',
      'i:1',
      's:1.00',
      's:01',
    ]);
  });

  it('makes integer keys only of canonical decimal integers within int64', () => {
    assert.deepEqual(
      ksortOf(
        '{"9223372036854775807":0,"9223372036854775808":0,"-9223372036854775808":0,"-9223372036854775809":0,"0":0,"-0":0}',
      ),
      [
        'i:-9223372036854775808',
        's:-9223372036854775809',
        'i:0',
        's:-0',
        'i:9223372036854775807',
        's:9223372036854775808',
      ],
    );
  });

  it('compares 20-digit-or-longer numbers with a fraction by bytes when their doubles are equal', () => {
    // PHP flags them as overflowing integers, then falls back to a string comparison.
    assert.deepEqual(ksortOf('{"123456789012345678901.6":0,"123456789012345678901.5":0}'), [
      's:123456789012345678901.5',
      's:123456789012345678901.6',
    ]);
  });

  it('reproduces PHP’s order for a comparison cycle, which depends on the input order', () => {
    // "+5" < "0x1A" and "0x1A" < "1e-5" by bytes, but "1e-5" < "+5" as numbers: each
    // rotation is already "sorted" for PHP's insertion sort, so each stays as it is.
    assert.deepEqual(ksortOf('{"+5":0,"0x1A":0,"1e-5":0}'), ['s:+5', 's:0x1A', 's:1e-5']);
    assert.deepEqual(ksortOf('{"1e-5":0,"+5":0,"0x1A":0}'), ['s:1e-5', 's:+5', 's:0x1A']);
    assert.deepEqual(ksortOf('{"0x1A":0,"1e-5":0,"+5":0}'), ['s:0x1A', 's:1e-5', 's:+5']);
  });

  /** 40 or more keys that mix integers, numeric strings and digit-led words. */
  function mixedKeysJson(n: number): string {
    const members: string[] = [];
    for (let i = 0; i < n; i++) {
      const k = (i * 7919) % 1000;
      const forms = [`${k}`, `+${k}`, `${k}x`, `0x${k}`, `${k}e-1`, ` ${k}`, `k${k}`];
      const key = `${forms[i % forms.length]}${i >= 1000 ? `.${i}` : ''}`;
      members.push(`${JSON.stringify(key)}:${i}`);
    }
    return `{${members.join(',')}}`;
  }

  it('replays PHP’s hybrid quicksort above 16 keys, comparison for comparison', () => {
    const json = mixedKeysJson(40);
    assert.deepEqual(ksortOf(json), [
      'i:0',
      's: 28',
      's:0x190',
      's:0x489',
      's:0x56',
      's:0x623',
      's:0x757',
      's:0x922',
      's:109e-1',
      's:+84',
      's:137x',
      's:271x',
      's:3x',
      's:408e-1',
      's:542e-1',
      's:570x',
      's:676e-1',
      's:704x',
      's:838x',
      's:841e-1',
      's:975e-1',
      'i:165',
      's:+218',
      'i:299',
      's: 327',
      's:+352',
      'i:433',
      's: 461',
      's: 595',
      's:+651',
      'i:732',
      's:+785',
      'i:866',
      's: 894',
      's:+919',
      's:k246',
      's:k380',
      's:k514',
      's:k813',
      's:k947',
    ]);
    assert.equal(signData(json, 'k'), '860b2faa9cc6ce30339f4e7faef2c076');
  });

  it('replays PHP’s five-point pivot choice from 1024 keys up', () => {
    const json = mixedKeysJson(1100);
    assert.equal(signData(json, 'k'), 'e2d7099cb5cd0393dbfebe4d543d2f10');
    assert.ok(
      canonicalString(json).startsWith(
        '0=0&6e-1=74&1=679&17e-1=543&+2=358&27e-1=333&+3.1037=1037&',
      ),
    );
  });
});
