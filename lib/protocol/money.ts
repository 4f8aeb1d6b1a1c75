import { ValidationError } from './errors';
import { phpFloatToString } from './php-float';

/** The largest amount in fen this library handles (about 90 trillion yuan). */
export const MAX_FEN = Number.MAX_SAFE_INTEGER;

const DECIMAL_YUAN = /^([0-9]+)(?:\.([0-9]+))?$/;

/**
 * Converts a yuan amount as the platform sends it (a JSON number, or a numeric string from a
 * sloppy PHP sender) into integer fen, without float arithmetic. A float carrying noise
 * (`1537.1999999999998`) is read as PHP prints it at precision 14 (`1537.2`), which is the
 * amount the platform meant. Rejects negative, zero, non-numeric and sub-fen amounts.
 *
 * @param field names the field in error messages, e.g. `total_price`.
 */
export function yuanToFen(amount: unknown, field: string): number {
  let text: string;
  if (typeof amount === 'number') {
    if (!Number.isFinite(amount))
      throw new ValidationError(`${field} must be a finite amount in yuan`);
    text = phpFloatToString(amount);
  } else if (typeof amount === 'bigint') {
    text = amount.toString();
  } else if (typeof amount === 'string') {
    text = amount;
  } else {
    throw new ValidationError(`${field} must be an amount in yuan (number or numeric string)`);
  }
  if (text.startsWith('-')) {
    throw new ValidationError(`${field} must be positive, got ${JSON.stringify(text)}`);
  }
  const m = DECIMAL_YUAN.exec(text);
  if (!m) {
    throw new ValidationError(
      `${field} must be a decimal amount in yuan such as "12.34", got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  const whole = m[1] as string;
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > 2) {
    throw new ValidationError(`${field} has a fraction of a fen: ${JSON.stringify(text)}`);
  }
  const fen = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  if (fen === 0n) throw new ValidationError(`${field} must be greater than zero`);
  if (fen > BigInt(MAX_FEN)) throw new ValidationError(`${field} is too large: ${text}`);
  return Number(fen);
}

/** Formats integer fen as a yuan string with two decimals (`1234` → `"12.34"`). */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`fen must be a safe integer, got ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
