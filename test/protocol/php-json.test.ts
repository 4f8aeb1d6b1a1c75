import assert from 'node:assert/strict';
import { JsonSyntaxError, PhpArray, type PhpValue, parsePhpJson, phpToJs } from '../../lib/index';
import { phpArrayKey } from '../../lib/protocol/php-json';

// What each text decodes to, or that it does not decode, is what PHP 8.2's
// `json_decode($text, true)` did (var_dump / json_last_error_msg), unless said otherwise.

/** The values of a decoded JSON array, in order. */
function listOf(json: string): PhpValue[] {
  const value = parsePhpJson(json);
  assert.ok(value instanceof PhpArray && value.isList, `${json} is a list`);
  return Array.from(value.entries.values());
}

function assertRejected(text: string): void {
  assert.throws(() => parsePhpJson(text), JsonSyntaxError, JSON.stringify(text));
}

describe('parsePhpJson (PHP json_decode($t, true))', () => {
  describe('numbers', () => {
    it('keeps integers exact over the whole signed 64-bit range, as bigints', () => {
      assert.deepEqual(listOf('[9007199254740993, 9223372036854775807, -9223372036854775808, 0]'), [
        9007199254740993n,
        9223372036854775807n,
        -9223372036854775808n,
        0n,
      ]);
    });

    it('makes an integer one past int64 a float', () => {
      const [above, below, huge] = listOf(
        '[9223372036854775808, -9223372036854775809, 12345678901234567890123]',
      );
      assert.equal(above, 2 ** 63);
      assert.equal(below, -(2 ** 63));
      assert.equal(huge, 1.2345678901234568e22);
    });

    it('reads the integer token -0 as integer 0 but -0.0 and -0e0 as float negative zero', () => {
      const [intZero, floatZero, expZero] = listOf('[-0, -0.0, -0e0]');
      assert.equal(intZero, 0n);
      assert.ok(Object.is(floatZero, -0));
      assert.ok(Object.is(expZero, -0));
    });

    it('makes any number with a fraction or an exponent a float, even when it is whole', () => {
      const values = listOf('[1.0, 1e2, 1E2, 1e+2, 0.1e1, 100.0]');
      assert.deepEqual(values, [1, 100, 100, 100, 1, 100]);
      for (const v of values) assert.equal(typeof v, 'number');
    });

    it('overflows to INF and underflows to signed zero like strtod', () => {
      const [inf, negInf, zero, negZero] = listOf('[1e400, -1e400, 1e-400, -1e-400]');
      assert.equal(inf, Number.POSITIVE_INFINITY);
      assert.equal(negInf, Number.NEGATIVE_INFINITY);
      assert.ok(Object.is(zero, 0));
      assert.ok(Object.is(negZero, -0));
    });
  });

  describe('strings', () => {
    it('decodes \\u escapes, surrogate pairs in either case and escaped slashes', () => {
      assert.deepEqual(
        listOf(
          String.raw`["\u4e2d\u6587", "\ud83d\ude00", "\uD83D\uDE00", "\/", "a\u0000b", "\u0001"]`,
        ),
        ['中文', '😀', '😀', '/', 'a\u0000b', '\u0001'],
      );
    });

    it('keeps raw UTF-8 text (CJK, emoji) as it is', () => {
      assert.deepEqual(listOf('["咫尺支付", "😀🀄", "é\u007f"]'), ['咫尺支付', '😀🀄', 'é\u007f']);
    });

    it('decodes every short escape', () => {
      assert.deepEqual(listOf(String.raw`["\"\\\/\b\f\n\r\t"]`), ['"\\/\b\f\n\r\t']);
    });

    it('rejects an unpaired UTF-16 surrogate escape, as PHP does', () => {
      for (const text of [
        String.raw`["\ud83d"]`,
        String.raw`["\ude00"]`,
        String.raw`["\ud83dx"]`,
        String.raw`["\ud83d\u0041"]`,
        String.raw`["\ude00\ud83d"]`,
      ]) {
        assertRejected(text);
      }
    });

    it('rejects text holding a raw lone surrogate (PHP would see malformed UTF-8)', () => {
      assertRejected('["\ud83d"]');
      assertRejected('{"\ude00":1}');
    });

    it('rejects raw control characters inside strings but not DEL', () => {
      assertRejected('["a\tb"]');
      assertRejected('["a\nb"]');
      assertRejected('["a\u0001b"]');
      assert.deepEqual(listOf('["\u007f"]'), ['\u007f']);
    });

    it('rejects invalid escapes', () => {
      for (const text of [
        String.raw`"\x"`,
        String.raw`"\u12"`,
        String.raw`"\U0041"`,
        String.raw`"\'"`,
      ]) {
        assertRejected(text);
      }
    });
  });

  describe('objects', () => {
    it('keeps the last value of a duplicate key at the place of its first occurrence', () => {
      const value = parsePhpJson('{"a":1,"b":2,"a":3}') as PhpArray;
      assert.deepEqual(Array.from(value.entries), [
        ['a', 3n],
        ['b', 2n],
      ]);
    });

    it('merges duplicate keys that PHP turns into the same integer key only', () => {
      const value = parsePhpJson('{"1":"x","01":"y","1":"z"}') as PhpArray;
      assert.deepEqual(Array.from(value.entries), [
        [1n, 'z'],
        ['01', 'y'],
      ]);
    });

    it('turns canonical decimal integer keys within int64 into integer keys', () => {
      const value = parsePhpJson(
        '{"12":0,"-3":0,"012":0,"-0":0,"0":0,"9223372036854775807":0,"9223372036854775808":0,"-9223372036854775808":0,"-9223372036854775809":0," 1":0,"1.0":0,"+1":0,"1 ":0}',
      ) as PhpArray;
      assert.deepEqual(Array.from(value.entries.keys()), [
        12n,
        -3n,
        '012',
        '-0',
        0n,
        9223372036854775807n,
        '9223372036854775808',
        -9223372036854775808n,
        '-9223372036854775809',
        ' 1',
        '1.0',
        '+1',
        '1 ',
      ]);
      assert.equal(phpArrayKey('7'), 7n);
      assert.equal(phpArrayKey('07'), '07');
    });

    it('accepts an empty key and a key starting with NUL', () => {
      const value = parsePhpJson('{"":1,"\\u0000a":2}') as PhpArray;
      assert.deepEqual(Array.from(value.entries.keys()), ['', '\u0000a']);
    });
  });

  describe('syntax', () => {
    it('accepts space, tab, CR and LF around tokens', () => {
      assert.deepEqual(listOf(' \t\r\n[ 1 ,\n2\t] \t\r\n'), [1n, 2n]);
      assert.equal((parsePhpJson('{ "a" :\r\n 1 }') as PhpArray).entries.get('a'), 1n);
    });

    it('rejects other whitespace: form feed, vertical tab, NBSP, BOM', () => {
      for (const text of ['\f[1]', '\v[1]', '\u00a0[1]', '\ufeff[1]']) assertRejected(text);
    });

    it('rejects what PHP rejects', () => {
      for (const text of [
        '',
        ' ',
        '[1,]',
        '{"a":1,}',
        '01',
        '[01]',
        '-01',
        '[1.]',
        '[.5]',
        '[1e]',
        '[+1]',
        '[-]',
        'NaN',
        '[NaN]',
        '[Infinity]',
        "{'a':1}",
        "['a']",
        '[1] x',
        '[1][2]',
        '{"a" 1}',
        '{a:1}',
        '[1 2]',
        '"abc',
        '[true',
        'TRUE',
        'True',
        'nul',
      ]) {
        assertRejected(text);
      }
    });

    it('accepts bare scalars at the top level (getSign is what refuses them)', () => {
      assert.equal(parsePhpJson('"SUCCESS"'), 'SUCCESS');
      assert.equal(parsePhpJson('12'), 12n);
      assert.equal(parsePhpJson('true'), true);
      assert.equal(parsePhpJson('null'), null);
    });

    it('accepts 511 nested arrays or objects and rejects 512, as PHP’s default depth does', () => {
      const arrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
      const objects = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
      const mixed = (n: number) => `${'[{"k":'.repeat(n / 2)}0${'}]'.repeat(n / 2)}`;
      assert.ok(parsePhpJson(arrays(511)) instanceof PhpArray);
      assert.ok(parsePhpJson(objects(511)) instanceof PhpArray);
      assert.ok(parsePhpJson(mixed(510)) instanceof PhpArray);
      assertRejected(arrays(512));
      assertRejected(objects(512));
      assertRejected(mixed(512));
      assertRejected(arrays(513));
    });

    it('throws a JsonSyntaxError carrying the offset where reading stopped', () => {
      assert.throws(
        () => parsePhpJson('[1,,2]'),
        (e: unknown) => e instanceof JsonSyntaxError && e.offset === 3 && e.code === 'JSON_SYNTAX',
      );
    });
  });
});

describe('phpToJs', () => {
  it('makes safe integers numbers and keeps larger ones bigints', () => {
    assert.deepEqual(
      phpToJs(parsePhpJson('[9007199254740991, 9007199254740992, -9007199254740992]')),
      [9007199254740991, 9007199254740992n, -9007199254740992n],
    );
  });

  it('makes objects null-prototype records whose __proto__ key is plain data', () => {
    const record = phpToJs(parsePhpJson('{"__proto__":{"x":1},"7":"seven"}')) as Record<
      string,
      unknown
    >;
    assert.equal(Object.getPrototypeOf(record), null);
    assert.deepEqual(Object.keys(record).sort(), ['7', '__proto__']);
    const proto = Object.entries(record).find(([k]) => k === '__proto__')?.[1];
    assert.deepEqual({ ...(proto as object) }, { x: 1 });
    assert.equal(record['7'], 'seven');
  });

  it('leaves strings, floats, booleans and null as they are', () => {
    assert.deepEqual(phpToJs(parsePhpJson('["a", 1.5, true, false, null]')), [
      'a',
      1.5,
      true,
      false,
      null,
    ]);
  });
});
