// Fuzzing the protocol core in-process: signData over arbitrary JSON values, parsePhpJson
// over arbitrary text, and both against an independent reading of PROTOCOL.md.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  canonicalString,
  JsonSyntaxError,
  PhpArray,
  parsePhpJson,
  phpToJs,
  signData,
  verifyData,
} from '../../lib/index';
import { MD5_KEY } from '../helpers/fixtures';
import { anyCodeUnits, loneSurrogate } from './apps';
import {
  assertNotPolluted,
  fcParams,
  fuzzTimeout,
  ProcessGuard,
  snapshotPrototypes,
} from './harness';

/** Valid JSON text that may hold any string, `__proto__` keys and odd numbers. */
const jsonValue = fc.jsonValue({ maxDepth: 6 });

/** Text around JSON: mutations of valid JSON, token soup, surrogates, deep nesting. */
const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ':',
  ',',
  '\\',
  '\\u',
  '\\ud800',
  '\\udc00',
  '\\ud83d\\ude00',
  '1',
  '-',
  '.',
  'e',
  'E+',
  '0',
  '1e999',
  '9223372036854775808',
  'true',
  'tru',
  'null',
  ' ',
  '\t',
  '\u0000',
  '\u2028',
  '"a"',
  '"__proto__"',
  '"constructor"',
];
const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((t) => t.join(''));

const mutated = fc
  .tuple(
    fc.json({ maxDepth: 4 }),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom('insert', 'delete', 'replace'),
        fc.oneof(anyCodeUnits, loneSurrogate),
      ),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const [at, op, chunk] of edits) {
      const i = out.length === 0 ? 0 : at % (out.length + 1);
      if (op === 'insert') out = out.slice(0, i) + chunk + out.slice(i);
      else if (op === 'delete') out = out.slice(0, i) + out.slice(i + 1 + (at % 3));
      else out = out.slice(0, i) + chunk.slice(0, 1) + out.slice(i + 1);
    }
    return out;
  });

const deep = fc
  .tuple(fc.integer({ min: 1, max: 5_000 }), fc.constantFrom('[', '{"k":', '[{"k":'), fc.boolean())
  .map(([depth, open, close]) => {
    const closer = open === '[' ? ']' : open === '{"k":' ? '}' : '}]';
    return open.repeat(depth) + (close ? `0${closer.repeat(depth)}` : '');
  });

const anyText = fc.oneof(
  { weight: 2, arbitrary: mutated },
  { weight: 2, arbitrary: tokenSoup },
  { weight: 1, arbitrary: anyCodeUnits },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 1, arbitrary: deep },
);

/** PHP-style depth of a JSON value: arrays and objects count, scalars do not. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let max = 0;
  for (const child of Object.values(value)) max = Math.max(max, depthOf(child));
  return max + 1;
}

describe('reliability: fuzzing signData and parsePhpJson', function () {
  this.timeout(fuzzTimeout(30_000));
  const guard = new ProcessGuard();
  let prototypes: ReturnType<typeof snapshotPrototypes>;
  before(() => {
    guard.install();
    prototypes = snapshotPrototypes();
  });
  after(() => guard.uninstall());

  it('signs the JSON text of any object, array or string without throwing', () => {
    fc.assert(
      fc.property(jsonValue, fc.string({ minLength: 1 }), (value, key) => {
        const text = JSON.stringify(value);
        if (value === null || (typeof value !== 'object' && typeof value !== 'string')) {
          // PHP getSign() cannot sign a bare number, boolean or null: a clean refusal.
          assert.throws(() => signData(text, key), /cannot sign|JSON/);
          return;
        }
        const sign = signData(text, key);
        assert.match(sign, /^[0-9a-f]{32}$/);
        assert.equal(verifyData(text, sign, key), true);
        assert.equal(verifyData(text, sign.toUpperCase(), [`${key}x`, key]), true);
      }),
      fcParams(2000),
    );
  });

  it('signs flat objects exactly as an independent reading of PROTOCOL.md does', () => {
    const key = fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/);
    const value = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 2 }),
    );
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 12 }), fc.string(), (o, k) => {
        // ksort of plain word keys is byte order; values: string as is, true 1, false and
        // null empty, integers in decimal, arrays `Array`; `&`-joined, key appended, md5 hex.
        const keys = Object.keys(o).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        const canonical = keys
          .map((name) => {
            const v = o[name];
            const s =
              v === true
                ? '1'
                : v === false || v === null
                  ? ''
                  : Array.isArray(v)
                    ? 'Array'
                    : String(v);
            return `${name}=${s}`;
          })
          .join('&');
        const expected = createHash('md5')
          .update(canonical + k, 'utf8')
          .digest('hex');
        const text = JSON.stringify(o);
        assert.equal(canonicalString(text), canonical);
        assert.equal(signData(text, k), expected);
      }),
      fcParams(2000),
    );
  });

  it('decodes any JSON text (well within 512 levels) that JSON.parse accepts', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 8 }), (text) => {
        const value = parsePhpJson(text);
        const js = phpToJs(value);
        // Same shape as JSON.parse, modulo PHP's integers (bigint beyond 2^53).
        const plain = JSON.parse(text) as unknown;
        assert.equal(depthOf(js), depthOf(plain));
        assert.equal(typeof js === 'object', typeof plain === 'object');
      }),
      fcParams(2000),
    );
  });

  it('throws nothing but JsonSyntaxError on arbitrary text, and never pollutes', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        let value: unknown;
        try {
          value = parsePhpJson(text);
        } catch (error) {
          assert.ok(
            error instanceof JsonSyntaxError,
            `threw ${String(error)} for ${JSON.stringify(text.slice(0, 200))}`,
          );
          assert.equal(typeof error.offset, 'number');
          return;
        }
        // Whatever decoded can be signed (when PHP could sign it) and turned into JS.
        const js = phpToJs(value as ReturnType<typeof parsePhpJson>);
        if (value instanceof PhpArray || typeof value === 'string') {
          assert.match(signData(text, MD5_KEY), /^[0-9a-f]{32}$/);
        }
        if (js !== null && typeof js === 'object' && !Array.isArray(js)) {
          assert.equal(Object.getPrototypeOf(js), null, 'a decoded object has a prototype');
        }
        assertNotPolluted(prototypes);
      }),
      fcParams(3000),
    );
  });

  it('keeps __proto__ and constructor keys as plain data', () => {
    for (const text of [
      '{"__proto__":{"polluted":"yes"}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      '[{"__proto__":{"polluted":1}},{"__proto__":[1]}]',
      '{"a":{"__proto__":{"polluted":1}},"__proto__":"x"}',
    ]) {
      const js = phpToJs(parsePhpJson(text)) as Record<string, unknown>;
      assert.match(signData(text, MD5_KEY), /^[0-9a-f]{32}$/);
      if (!Array.isArray(js)) {
        assert.ok(Object.hasOwn(js, '__proto__') || Object.hasOwn(js, 'constructor'));
      }
    }
    assertNotPolluted(prototypes);
  });

  it('refuses 512 nested arrays or objects with a JsonSyntaxError, as PHP does, and accepts 511', () => {
    // PHP's depth 512 counts the innermost value as a level too (PHP 8.2).
    for (const [open, close] of [
      ['[', ']'],
      ['{"a":', '}'],
    ] as const) {
      assert.doesNotThrow(() => parsePhpJson(`${open.repeat(511)}1${close.repeat(511)}`));
      assert.throws(
        () => parsePhpJson(`${open.repeat(512)}1${close.repeat(512)}`),
        JsonSyntaxError,
      );
      assert.throws(() => parsePhpJson(open.repeat(100_000)), JsonSyntaxError);
    }
  });

  it('recorded no uncaught error', () => {
    guard.assertQuiet();
  });
});
