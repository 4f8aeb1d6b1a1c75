/**
 * PHP's string form of a float at `precision=14` (what `"{$float}"` gives): correctly
 * rounded to 14 significant digits with exact ties to even, trailing zeros dropped (but
 * see {@link isUntrimmedTie} for PHP's one exception), scientific form (`1.0E+25`,
 * `2.5E-5`) below 1e-4 or from 1e14 up (once rounded), `-0` kept.
 */
export function phpFloatToString(x: number): string {
  if (Number.isNaN(x)) return 'NAN';
  if (x === Number.POSITIVE_INFINITY) return 'INF';
  if (x === Number.NEGATIVE_INFINITY) return '-INF';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const sign = x < 0 ? '-' : '';
  const ax = Math.abs(x);
  if (isUntrimmedTie(ax)) {
    return sign + formatLikeZendGcvt(String((ax - 5) / 10), PHP_PRECISION + 1, PHP_PRECISION);
  }
  const { digits, decpt } = roundToSignificant(ax, PHP_PRECISION);
  return sign + formatLikeZendGcvt(digits, decpt, PHP_PRECISION);
}

/**
 * zend_dtoa's exact path for a "small integer" (an integral double below 1e15) does not
 * trim trailing zeros when an exact tie rounds down to even, unlike all its other paths. So
 * PHP writes 100000000000005.0 as `1.0000000000000E+14` and 946018735089805.0 as
 * `9.4601873508980E+14`, not `1.0E+14` and `9.460187350898E+14` (PHP 8.2, found by a
 * differential run). At precision 14 that is an integer from 1e14 to 1e15 whose 15th digit
 * is 5 and whose 14th digit is even; below 1e14 nothing is rounded, and any zeros would not
 * show in the plain form anyway.
 */
function isUntrimmedTie(ax: number): boolean {
  return (
    ax >= 1e14 && ax < 1e15 && Number.isInteger(ax) && ax % 10 === 5 && ((ax - 5) / 10) % 2 === 0
  );
}

const PHP_PRECISION = 14;

/**
 * Digits of `x` (> 0) rounded to `precision` significant digits, ties to even, without
 * trailing zeros; `decpt` places the decimal point: value = 0.DIGITS × 10^decpt.
 */
export function roundToSignificant(
  x: number,
  precision: number,
): { digits: string; decpt: number } {
  // toExponential rounds ties away from zero; a tie at `precision` digits can only happen
  // when the exact value has a 5 right after them, so only then take the exact path.
  const wider = x.toExponential(precision);
  if (wider.charCodeAt(precision + 1) !== 0x35 /* 5 */) {
    return splitExponential(x.toExponential(precision - 1));
  }
  const exact = exactDecimal(x);
  return roundDigitsHalfEven(exact.digits, exact.decpt, precision);
}

function splitExponential(s: string): { digits: string; decpt: number } {
  const e = s.indexOf('e');
  const digits = (s[0] ?? '') + s.slice(2, e);
  return { digits: stripTrailingZeros(digits), decpt: Number(s.slice(e + 1)) + 1 };
}

function stripTrailingZeros(digits: string): string {
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 0x30) end--;
  return digits.slice(0, end);
}

/** The exact decimal expansion of a positive finite double. */
export function exactDecimal(x: number): { digits: string; decpt: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  let digits: string;
  let decpt: number;
  if (exponent >= 0) {
    digits = (mantissa << BigInt(exponent)).toString();
    decpt = digits.length;
  } else {
    // m / 2^k = m·5^k / 10^k
    digits = (mantissa * 5n ** BigInt(-exponent)).toString();
    decpt = digits.length + exponent;
  }
  const trimmed = digits.replace(/^0+/, '');
  return { digits: stripTrailingZeros(trimmed), decpt: decpt - (digits.length - trimmed.length) };
}

function roundDigitsHalfEven(
  digits: string,
  decpt: number,
  precision: number,
): { digits: string; decpt: number } {
  if (digits.length <= precision) return { digits, decpt };
  const kept = digits.slice(0, precision);
  const next = digits.charCodeAt(precision) - 0x30;
  const restNonZero = /[1-9]/.test(digits.slice(precision + 1));
  const lastOdd = (kept.charCodeAt(precision - 1) - 0x30) % 2 === 1;
  const roundUp = next > 5 || (next === 5 && (restNonZero || lastOdd));
  if (!roundUp) return { digits: stripTrailingZeros(kept), decpt };
  const bumped = (BigInt(kept) + 1n).toString();
  if (bumped.length > precision) return { digits: '1', decpt: decpt + 1 };
  return { digits: stripTrailingZeros(bumped), decpt };
}

/** The layout rules of PHP's `zend_gcvt` for dtoa digits and decimal point position. */
function formatLikeZendGcvt(digits: string, decpt: number, precision: number): string {
  if (decpt < 0 ? decpt < -3 : decpt > precision) {
    const exponent = decpt - 1;
    const mantissa = `${digits[0]}.${digits.length > 1 ? digits.slice(1) : '0'}`;
    return `${mantissa}E${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
  }
  if (decpt <= 0) return `0.${'0'.repeat(-decpt)}${digits}`;
  if (digits.length <= decpt) return digits + '0'.repeat(decpt - digits.length);
  return `${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}
