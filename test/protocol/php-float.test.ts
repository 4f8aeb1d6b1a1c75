import assert from 'node:assert/strict';
import { phpFloatToString } from '../../lib/index';
import { exactDecimal, roundToSignificant } from '../../lib/protocol/php-float';

// Each expected string is what PHP 8.2 printed for "{$value}" (precision=14) after
// `json_decode` of the JSON number on the left; JavaScript's Number() reads the same text
// into the same double, both being correctly rounded.
const FROM_PHP: [string, string][] = [
  // exact ties at the 14th digit round to even
  ['4.76837158203125e-7', '4.7683715820312E-7'], // 2^-21, exactly
  ['10000000000000.5', '10000000000000'],
  ['10000000000001.5', '10000000000002'],
  ['10000000000002.5', '10000000000002'],
  ['12345678901234.5', '12345678901234'],
  ['12345678901235.5', '12345678901236'],
  ['1234567890123.25', '1234567890123.2'],
  ['1234567890123.75', '1234567890123.8'],
  ['123456789012345.0', '1.2345678901234E+14'],
  // an integral double from 1e14 to 1e15 whose exact tie rounds down keeps its zeros
  ['100000000000005.0', '1.0000000000000E+14'],
  ['-100000000000005.0', '-1.0000000000000E+14'],
  ['1.00000000000005e14', '1.0000000000000E+14'],
  ['946018735089805.0', '9.4601873508980E+14'],
  ['123456789012305.0', '1.2345678901230E+14'],
  ['500000000000005.0', '5.0000000000000E+14'],
  ['120000000000005.0', '1.2000000000000E+14'],
  ['100000000000105.0', '1.0000000000010E+14'],
  ['999999999999985.0', '9.9999999999998E+14'],
  // ... but not when the tie rounds up, is no tie, or needs no rounding
  ['100000000000015.0', '1.0000000000002E+14'],
  ['946018735089815.0', '9.4601873508982E+14'],
  ['999999999999995.0', '1.0E+15'],
  ['100000000000000.0', '1.0E+14'],
  ['100000000000004.0', '1.0E+14'],
  ['100000000000006.0', '1.0000000000001E+14'],
  ['100000000000050.0', '1.0000000000005E+14'],
  ['100000000000005.5', '1.0000000000001E+14'],
  ['1000000000000005.0', '1.0E+15'],
  ['10000000000005.0', '10000000000005'],
  // not a tie once the double's exact value is seen
  ['2.675', '2.675'],
  ['1.005', '1.005'],
  ['0.000123456789012345', '0.00012345678901234'],
  // noise beyond 14 digits disappears
  ['0.30000000000000004', '0.3'],
  ['1537.1999999999998', '1537.2'],
  ['1537.2', '1537.2'],
  // scientific form from 1e14 up, after rounding
  ['1e25', '1.0E+25'],
  ['1e14', '1.0E+14'],
  ['1e13', '10000000000000'],
  ['99999999999999.4', '99999999999999'],
  ['99999999999999.5', '1.0E+14'],
  ['99999999999999.9', '1.0E+14'],
  ['1.2345678901234567e17', '1.2345678901235E+17'],
  ['9007199254740993.0', '9.007199254741E+15'],
  ['9223372036854775808', '9.2233720368548E+18'],
  ['-9223372036854775809', '-9.2233720368548E+18'],
  ['18446744073709551616', '1.844674407371E+19'],
  ['12345678901234567890123', '1.2345678901235E+22'],
  ['1.5e300', '1.5E+300'],
  ['1.7976931348623157e308', '1.7976931348623E+308'],
  // scientific form below 1e-4
  ['2.5e-5', '2.5E-5'],
  ['-2.5e-5', '-2.5E-5'],
  ['8.5e-5', '8.5E-5'],
  ['0.00001', '1.0E-5'],
  ['0.00009999999999999', '9.999999999999E-5'],
  ['3.0e-10', '3.0E-10'],
  ['2.2250738585072014e-308', '2.2250738585072E-308'],
  ['5e-324', '4.9406564584125E-324'], // the smallest subnormal
  // plain form in between
  ['0.0001', '0.0001'],
  ['0.00012345678901234', '0.00012345678901234'],
  ['0.001', '0.001'],
  ['0.125', '0.125'],
  ['0.1', '0.1'],
  ['0.5', '0.5'],
  ['1.0', '1'],
  ['100.0', '100'],
  ['1.5', '1.5'],
  ['-1.5', '-1.5'],
  ['1E-2', '0.01'],
  // zeros, infinities
  ['0.0', '0'],
  ['-0.0', '-0'],
  ['-0e0', '-0'],
  ['1e-400', '0'],
  ['-1e-400', '-0'],
  ['1e400', 'INF'],
  ['-1e400', '-INF'],
];

describe('phpFloatToString (PHP precision=14)', () => {
  for (const [text, expected] of FROM_PHP) {
    it(`writes ${text} as ${expected}`, () => {
      assert.equal(phpFloatToString(Number(text)), expected);
    });
  }

  it('writes NAN as PHP does (it cannot come from JSON)', () => {
    assert.equal(phpFloatToString(Number.NaN), 'NAN');
  });

  it('never writes more than 14 significant digits', () => {
    for (let i = 1; i < 2000; i++) {
      const x = (i * 0.1 + i / 7) * 10 ** ((i % 40) - 20);
      const mantissa = phpFloatToString(x).replace(/E.*$/, '').replace(/[-.]/g, '');
      assert.ok(mantissa.replace(/^0+/, '').length <= 14, `${x} → ${phpFloatToString(x)}`);
    }
  });
});

describe('exactDecimal and roundToSignificant', () => {
  it('gives the exact decimal value of a double (documented: 0.1 is 3602879701896397 / 2^55)', () => {
    assert.deepEqual(exactDecimal(0.1), {
      digits: '1000000000000000055511151231257827021181583404541015625',
      decpt: 0,
    });
    assert.deepEqual(exactDecimal(2 ** -21), { digits: '476837158203125', decpt: -6 });
    assert.deepEqual(exactDecimal(2 ** 70), { digits: '1180591620717411303424', decpt: 22 });
    assert.equal(exactDecimal(5e-324).decpt, -323);
  });

  it('rounds an exact tie to even, and a near-tie by its true value', () => {
    assert.deepEqual(roundToSignificant(2 ** -21, 14), { digits: '47683715820312', decpt: -6 });
    assert.deepEqual(roundToSignificant(10000000000001.5, 14), {
      digits: '10000000000002',
      decpt: 14,
    });
    // 2.675 is really 2.67499999999999982236431605997495353221893310546875
    assert.deepEqual(roundToSignificant(2.675, 3), { digits: '267', decpt: 1 });
    assert.deepEqual(roundToSignificant(99999999999999.5, 14), { digits: '1', decpt: 15 });
  });
});
