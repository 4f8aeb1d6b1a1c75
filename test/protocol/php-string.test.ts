import assert from 'node:assert/strict';
import { PhpArray, parsePhpJson, phpToString } from '../../lib/index';

// Expected strings are what PHP 8.2 wrote for "{$value}" after json_decode($t, true).
describe('phpToString (PHP string interpolation of a decoded value)', () => {
  it('writes strings as they are, unicode included', () => {
    assert.equal(phpToString('退款成功 😀'), '退款成功 😀');
    assert.equal(phpToString(''), '');
    assert.equal(phpToString('a&b=c'), 'a&b=c');
  });

  it('writes true as 1, false and null as the empty string', () => {
    assert.equal(phpToString(true), '1');
    assert.equal(phpToString(false), '');
    assert.equal(phpToString(null), '');
  });

  it('writes integers in decimal, exact beyond 2^53', () => {
    assert.equal(phpToString(9007199254740993n), '9007199254740993');
    assert.equal(phpToString(-9223372036854775808n), '-9223372036854775808');
    assert.equal(phpToString(parsePhpJson('-0')), '0');
  });

  it('writes floats at precision 14, integral ones without a fraction', () => {
    assert.equal(phpToString(parsePhpJson('1.0')), '1');
    assert.equal(phpToString(parsePhpJson('-0.0')), '-0');
    assert.equal(phpToString(parsePhpJson('0.30000000000000004')), '0.3');
    assert.equal(phpToString(parsePhpJson('1e25')), '1.0E+25');
  });

  it('writes any array or object, empty or not, as the word Array', () => {
    for (const text of ['[]', '{}', '[1]', '{"a":1}']) {
      assert.equal(phpToString(parsePhpJson(text)), 'Array', text);
    }
    assert.equal(phpToString(new PhpArray(false)), 'Array');
  });
});
