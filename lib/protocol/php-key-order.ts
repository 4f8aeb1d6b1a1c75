import type { PhpKey } from './php-json';

/**
 * Compares two PHP array keys as PHP 8's `ksort()` does (SORT_REGULAR): integer keys
 * numerically, two numeric strings numerically, anything else by bytes. The protocol's
 * keys are plain words, for which this is byte order.
 */
export function comparePhpKeys(a: PhpKey, b: PhpKey): number {
  if (typeof a === 'string') {
    if (typeof b === 'string') return compareStringKeys(a, b);
    return -compareIntToString(b, a);
  }
  if (typeof b === 'string') return compareIntToString(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** zend_binary_strcmp over UTF-8 bytes (UTF-8 byte order is code point order). */
export function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // UTF-16 puts surrogates (U+10000 and up) below U+E000–U+FFFF; UTF-8 does not.
      if (x >= 0xd800 && y >= 0xd800) {
        x += x < 0xe000 ? 0x2000 : -0x800;
        y += y < 0xe000 ? 0x2000 : -0x800;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

type NumericString =
  | { kind: 'long'; value: bigint }
  | { kind: 'double'; value: number; overflow: -1 | 0 | 1 };

const NUMERIC =
  /^[ \t\n\r\v\f]*([+-]?)(?:([0-9]+)|[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\n\r\v\f]*$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** PHP 8's `is_numeric_string()` without errors allowed (leading/trailing whitespace ok). */
function numericString(s: string): NumericString | undefined {
  const first = s.charCodeAt(0);
  // Cheap rejection of the usual keys, which start with a letter or underscore.
  if (
    !(
      first <= 0x20 ||
      first === 0x2b ||
      first === 0x2d ||
      first === 0x2e ||
      (first >= 0x30 && first <= 0x39)
    )
  ) {
    return undefined;
  }
  const m = NUMERIC.exec(s);
  if (!m) return undefined;
  const body = s.trim();
  if (m[2] !== undefined && !/[.eE]/.test(body)) {
    const n = BigInt(body);
    if (n >= INT64_MIN && n <= INT64_MAX) return { kind: 'long', value: n };
    return { kind: 'double', value: Number(body), overflow: n > 0n ? 1 : -1 };
  }
  return { kind: 'double', value: Number(body), overflow: 0 };
}

function sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}

/** zendi_smart_strcmp */
function compareStringKeys(a: string, b: string): number {
  const na = numericString(a);
  const nb = na && numericString(b);
  if (!na || !nb) return compareBytes(a, b);
  if (na.kind === 'long' && nb.kind === 'long') {
    return na.value < nb.value ? -1 : na.value > nb.value ? 1 : 0;
  }
  if (na.kind === 'double' && nb.kind === 'double') {
    if (na.overflow !== 0 && na.overflow === nb.overflow && na.value - nb.value === 0) {
      return compareBytes(a, b);
    }
    if (na.value === nb.value && !Number.isFinite(na.value)) return compareBytes(a, b);
    return sign(na.value - nb.value);
  }
  if (na.kind === 'long' && nb.kind === 'double') {
    if (nb.overflow) return -nb.overflow;
    return sign(Number(na.value) - nb.value);
  }
  if (na.kind === 'double' && nb.kind === 'long') {
    if (na.overflow) return na.overflow;
    return sign(na.value - Number(nb.value));
  }
  return 0;
}

/** zend_compare(long, string) */
function compareIntToString(a: bigint, b: string): number {
  const nb = numericString(b);
  if (nb?.kind === 'long') return a < nb.value ? -1 : a > nb.value ? 1 : 0;
  if (nb?.kind === 'double') {
    const x = Number(a);
    return x < nb.value ? -1 : x > nb.value ? 1 : 0;
  }
  return compareBytes(a.toString(), b);
}
