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
  /^[ \t\n\r\v\f]*([+-]?)(?:([0-9]+)(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?[ \t\n\r\v\f]*$/;
/** MAX_LENGTH_OF_LONG on 64-bit PHP: from this many integer digits on, PHP flags an overflow. */
const MAX_LENGTH_OF_LONG = 20;
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
  const intDigits = m[2];
  if (intDigits !== undefined && m[3] === undefined && m[4] === undefined) {
    const n = BigInt(body);
    if (n >= INT64_MIN && n <= INT64_MAX) return { kind: 'long', value: n };
    return { kind: 'double', value: Number(body), overflow: n > 0n ? 1 : -1 };
  }
  // PHP stops counting integer digits at 20 (leading zeros skipped) and flags an overflow
  // even when a fraction or an exponent follows ("123456789012345678901.5"), so two such
  // keys with the same double value are then compared as strings, not as equal numbers.
  const overflow =
    intDigits !== undefined && intDigits.replace(/^0+/, '').length >= MAX_LENGTH_OF_LONG
      ? m[1] === '-'
        ? -1
        : 1
      : 0;
  return { kind: 'double', value: Number(body), overflow };
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

/**
 * The keys in the order PHP 8's `ksort()` leaves them. For the protocol's plain-word keys
 * this is simply byte order. But PHP's key comparison is not transitive once numeric-looking
 * and other keys mix (`"+5" < "0x1A"` by bytes, `"0x1A" < "1e-5"` by bytes, `"1e-5" < "+5"`
 * numerically), and then the result depends on the sorting algorithm itself: JavaScript's
 * `Array.prototype.sort` gives another order than PHP, hence another signature. So this
 * replays PHP's own `zend_sort()` (insertion sort up to 16 elements, a libc++-style hybrid
 * quicksort above), comparison for comparison, with the stable-sort fallback PHP 8 adds
 * (equal keys keep their original order).
 */
export function phpKsort(keys: readonly PhpKey[]): PhpKey[] {
  const items = keys.map((key, index) => ({ key, index }));
  zendSort(items, 0, items.length, (a, b) => comparePhpKeys(a.key, b.key) || a.index - b.index);
  return items.map((item) => item.key);
}

type Compare<T> = (a: T, b: T) => number;

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i] as T;
  a[i] = a[j] as T;
  a[j] = t;
}

// Zend/zend_sort.c, with element indices in place of byte pointers.
function sort2<T>(a: T[], i: number, j: number, cmp: Compare<T>): void {
  if (cmp(a[i] as T, a[j] as T) > 0) swap(a, i, j);
}

function sort3<T>(a: T[], i: number, j: number, k: number, cmp: Compare<T>): void {
  if (!(cmp(a[i] as T, a[j] as T) > 0)) {
    if (!(cmp(a[j] as T, a[k] as T) > 0)) return;
    swap(a, j, k);
    if (cmp(a[i] as T, a[j] as T) > 0) swap(a, i, j);
    return;
  }
  if (!(cmp(a[k] as T, a[j] as T) > 0)) {
    swap(a, i, k);
    return;
  }
  swap(a, i, j);
  if (cmp(a[j] as T, a[k] as T) > 0) swap(a, j, k);
}

function sort4<T>(a: T[], i: number, j: number, k: number, l: number, cmp: Compare<T>): void {
  sort3(a, i, j, k, cmp);
  if (cmp(a[k] as T, a[l] as T) > 0) {
    swap(a, k, l);
    if (cmp(a[j] as T, a[k] as T) > 0) {
      swap(a, j, k);
      if (cmp(a[i] as T, a[j] as T) > 0) swap(a, i, j);
    }
  }
}

function sort5<T>(
  a: T[],
  i: number,
  j: number,
  k: number,
  l: number,
  m: number,
  cmp: Compare<T>,
): void {
  sort4(a, i, j, k, l, cmp);
  if (cmp(a[l] as T, a[m] as T) > 0) {
    swap(a, l, m);
    if (cmp(a[k] as T, a[l] as T) > 0) {
      swap(a, k, l);
      if (cmp(a[j] as T, a[k] as T) > 0) {
        swap(a, j, k);
        if (cmp(a[i] as T, a[j] as T) > 0) swap(a, i, j);
      }
    }
  }
}

/** zend_insert_sort over a[start, start + n). */
function insertSort<T>(a: T[], start: number, n: number, cmp: Compare<T>): void {
  switch (n) {
    case 0:
    case 1:
      return;
    case 2:
      sort2(a, start, start + 1, cmp);
      return;
    case 3:
      sort3(a, start, start + 1, start + 2, cmp);
      return;
    case 4:
      sort4(a, start, start + 1, start + 2, start + 3, cmp);
      return;
    case 5:
      sort5(a, start, start + 1, start + 2, start + 3, start + 4, cmp);
      return;
  }
  const end = start + n;
  const sentry = start + 6;
  for (let i = start + 1; i < sentry; i++) {
    let j = i - 1;
    if (!(cmp(a[j] as T, a[i] as T) > 0)) continue;
    while (j !== start) {
      j--;
      if (!(cmp(a[j] as T, a[i] as T) > 0)) {
        j++;
        break;
      }
    }
    for (let k = i; k > j; k--) swap(a, k, k - 1);
  }
  for (let i = sentry; i < end; i++) {
    let j = i - 1;
    if (!(cmp(a[j] as T, a[i] as T) > 0)) continue;
    for (;;) {
      j -= 2;
      if (!(cmp(a[j] as T, a[i] as T) > 0)) {
        j++;
        if (!(cmp(a[j] as T, a[i] as T) > 0)) j++;
        break;
      }
      if (j === start) break;
      if (j === start + 1) {
        j--;
        if (cmp(a[i] as T, a[j] as T) > 0) j++;
        break;
      }
    }
    for (let k = i; k > j; k--) swap(a, k, k - 1);
  }
}

/** zend_sort over a[start, start + n). */
function zendSort<T>(a: T[], start: number, n: number, cmp: Compare<T>): void {
  for (;;) {
    if (n <= 16) {
      insertSort(a, start, n, cmp);
      return;
    }
    const end = start + n;
    const offset = n >> 1;
    let pivot = start + offset;
    if (n >> 10) {
      const delta = offset >> 1;
      sort5(a, start, start + delta, pivot, pivot + delta, end - 1, cmp);
    } else {
      sort3(a, start, pivot, end - 1, cmp);
    }
    swap(a, start + 1, pivot);
    pivot = start + 1;
    let i = pivot + 1;
    let j = end - 1;
    partition: for (;;) {
      while (cmp(a[pivot] as T, a[i] as T) > 0) {
        i++;
        if (i === j) break partition;
      }
      j--;
      if (j === i) break;
      while (cmp(a[j] as T, a[pivot] as T) > 0) {
        j--;
        if (j === i) break partition;
      }
      swap(a, i, j);
      i++;
      if (i === j) break;
    }
    swap(a, pivot, i - 1);
    if (i - 1 - start < end - i) {
      zendSort(a, start, i - start - 1, cmp);
      n = end - i;
      start = i;
    } else {
      zendSort(a, i, end - i, cmp);
      n = i - start - 1;
    }
  }
}
