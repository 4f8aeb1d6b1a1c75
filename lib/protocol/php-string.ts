import { phpFloatToString } from './php-float';
import { PhpArray, type PhpValue } from './php-json';

/**
 * PHP's string conversion of a decoded value, as `"{$value}"` writes it inside
 * `getSign()`: strings as is, `true` → `1`, `false`/`null` → empty, integers in decimal,
 * floats at `precision=14`, arrays → `Array`.
 */
export function phpToString(value: PhpValue | undefined): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'bigint':
      return value.toString();
    case 'number':
      return phpFloatToString(value);
    case 'boolean':
      return value ? '1' : '';
    default:
      return value instanceof PhpArray ? 'Array' : '';
  }
}
