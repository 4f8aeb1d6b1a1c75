import { JsonSyntaxError } from './errors';

/**
 * A PHP array key: PHP turns an object key that is a canonical decimal integer ("12",
 * "-3", but not "012" or "-0") into an integer key, represented here as a bigint.
 */
export type PhpKey = string | bigint;

/**
 * A value as PHP's `json_decode($text, true)` produces it. PHP integers are bigints (exact
 * over the whole signed 64-bit range), PHP floats are numbers, arrays and objects are
 * {@link PhpArray}s.
 */
export type PhpValue = null | boolean | string | bigint | number | PhpArray;

/** A PHP array: ordered keys (first occurrence keeps its place, last value wins). */
export class PhpArray {
  readonly entries = new Map<PhpKey, PhpValue>();
  /** True when it came from a JSON array, so its keys are 0..n-1 in order. */
  readonly isList: boolean;

  constructor(isList: boolean) {
    this.isList = isList;
  }
}

/**
 * PHP's default `json_decode` depth. The value inside the innermost array counts as a level
 * too, so PHP accepts at most 511 nested arrays/objects: 512 (even `[[…[]…]]` with nothing
 * inside) fails with "Maximum stack depth exceeded", as PHP 8.2 shows.
 */
export const PHP_JSON_MAX_DEPTH = 512;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const CANONICAL_INT_KEY = /^(?:0|-?[1-9][0-9]{0,18})$/;

/**
 * Decodes JSON text exactly as PHP 8's `json_decode($text, true)` does, or throws
 * {@link JsonSyntaxError} where PHP would return null with an error.
 */
export function parsePhpJson(text: string): PhpValue {
  if (!text.isWellFormed()) {
    throw new JsonSyntaxError('JSON text is not valid Unicode (lone surrogate)', 0);
  }
  const parser = new Parser(text);
  parser.skipWhitespace();
  const value = parser.parseValue();
  parser.skipWhitespace();
  if (parser.pos !== text.length) parser.fail('unexpected text after the JSON value');
  return value;
}

/** PHP turns numeric-looking object keys into integer keys; this mirrors that rule. */
export function phpArrayKey(key: string): PhpKey {
  if (!CANONICAL_INT_KEY.test(key)) return key;
  const n = BigInt(key);
  return n >= INT64_MIN && n <= INT64_MAX ? n : key;
}

class Parser {
  pos = 0;
  private depth = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  fail(what: string): never {
    throw new JsonSyntaxError(`invalid JSON at offset ${this.pos}: ${what}`, this.pos);
  }

  skipWhitespace(): void {
    const { text } = this;
    let { pos } = this;
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      pos++;
    }
    this.pos = pos;
  }

  parseValue(): PhpValue {
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x22: // "
        return this.parseString();
      case 0x7b: // {
        return this.parseObject();
      case 0x5b: // [
        return this.parseArray();
      case 0x74: // t
        return this.parseLiteral('true', true);
      case 0x66: // f
        return this.parseLiteral('false', false);
      case 0x6e: // n
        return this.parseLiteral('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
        return this.fail(Number.isNaN(c) ? 'unexpected end of text' : 'unexpected character');
    }
  }

  private parseLiteral<T extends PhpValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected ${word}`);
    this.pos += word.length;
    return value;
  }

  private parseNumber(): bigint | number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) return this.fail('invalid number');
    const token = m[0];
    this.pos += token.length;
    if (m[1] === undefined && m[2] === undefined) {
      const n = BigInt(token);
      // PHP keeps integers that fit a signed 64-bit integer, and makes the rest doubles.
      if (token.length < 19 || (n >= INT64_MIN && n <= INT64_MAX)) return n;
    }
    return Number(token);
  }

  private parseString(): string {
    const { text } = this;
    const start = ++this.pos;
    let pos = start;
    // Fast path: no escapes.
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        this.pos = pos + 1;
        return text.slice(start, pos);
      }
      if (c === 0x5c) break;
      if (c < 0x20 || Number.isNaN(c)) {
        this.pos = pos;
        this.fail(Number.isNaN(c) ? 'unterminated string' : 'control character in string');
      }
      pos++;
    }
    let out = text.slice(start, pos);
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        this.pos = pos + 1;
        return out;
      }
      if (c === 0x5c) {
        const e = text.charCodeAt(pos + 1);
        pos += 2;
        switch (e) {
          case 0x22:
            out += '"';
            break;
          case 0x5c:
            out += '\\';
            break;
          case 0x2f:
            out += '/';
            break;
          case 0x62:
            out += '\b';
            break;
          case 0x66:
            out += '\f';
            break;
          case 0x6e:
            out += '\n';
            break;
          case 0x72:
            out += '\r';
            break;
          case 0x74:
            out += '\t';
            break;
          case 0x75: {
            const unit = this.hex4(pos);
            pos += 4;
            if (unit >= 0xd800 && unit <= 0xdbff) {
              // PHP accepts a high surrogate only when a low one follows as \uXXXX.
              const low =
                text.charCodeAt(pos) === 0x5c && text.charCodeAt(pos + 1) === 0x75
                  ? this.hex4(pos + 2)
                  : -1;
              if (low < 0xdc00 || low > 0xdfff) {
                this.pos = pos;
                this.fail('single unpaired UTF-16 surrogate');
              }
              out += String.fromCharCode(unit, low);
              pos += 6;
            } else if (unit >= 0xdc00 && unit <= 0xdfff) {
              this.pos = pos;
              this.fail('single unpaired UTF-16 surrogate');
            } else {
              out += String.fromCharCode(unit);
            }
            break;
          }
          default:
            this.pos = pos - 1;
            this.fail('invalid escape');
        }
        continue;
      }
      if (c < 0x20 || Number.isNaN(c)) {
        this.pos = pos;
        this.fail(Number.isNaN(c) ? 'unterminated string' : 'control character in string');
      }
      const runStart = pos;
      while (pos < text.length) {
        const d = text.charCodeAt(pos);
        if (d === 0x22 || d === 0x5c || d < 0x20) break;
        pos++;
      }
      out += text.slice(runStart, pos);
    }
  }

  private hex4(at: number): number {
    const h = this.text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) {
      this.pos = at;
      this.fail('invalid \\u escape');
    }
    return Number.parseInt(h, 16);
  }

  private enter(): void {
    if (++this.depth >= PHP_JSON_MAX_DEPTH) this.fail('maximum nesting depth exceeded');
  }

  private parseArray(): PhpArray {
    this.enter();
    this.pos++;
    const array = new PhpArray(true);
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      this.depth--;
      return array;
    }
    let index = 0n;
    for (;;) {
      this.skipWhitespace();
      array.entries.set(index++, this.parseValue());
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x5d) break;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
    }
    this.depth--;
    return array;
  }

  private parseObject(): PhpArray {
    this.enter();
    this.pos++;
    const object = new PhpArray(false);
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      this.depth--;
      return object;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('expected a string key');
      const key = phpArrayKey(this.parseString());
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail("expected ':'");
      this.pos++;
      this.skipWhitespace();
      object.entries.set(key, this.parseValue());
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x7d) break;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
    }
    this.depth--;
    return object;
  }
}

/**
 * Converts a decoded PHP value into plain JavaScript for validation and for handlers:
 * objects become null-prototype records (so keys like `__proto__` stay plain data),
 * integers become numbers when safe and stay bigints otherwise.
 */
export function phpToJs(value: PhpValue): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  if (!(value instanceof PhpArray)) return value;
  if (value.isList) return Array.from(value.entries.values(), phpToJs);
  const record: Record<string, unknown> = Object.create(null);
  for (const [k, v] of value.entries) record[String(k)] = phpToJs(v);
  return record;
}
