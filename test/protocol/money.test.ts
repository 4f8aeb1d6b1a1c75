import assert from 'node:assert/strict';
import { fenToYuan, MAX_FEN, ValidationError, yuanToFen } from '../../lib/index';

describe('yuanToFen', () => {
  const good: [unknown, number][] = [
    [0.29, 29],
    ['0.29', 29],
    ['0.10', 10],
    ['0.1', 10],
    [0.1, 10],
    [0.01, 1],
    ['0.01', 1],
    [1, 100],
    ['1', 100],
    ['1.00', 100],
    ['1.000000', 100],
    [1537.1999999999998, 153720],
    [0.30000000000000004, 30],
    [19.99, 1999],
    [1.15, 115],
    ['00012.30', 1230],
    [123456789.12, 12345678912],
    [10n, 1000],
  ];
  for (const [amount, fen] of good) {
    it(`reads ${typeof amount} ${String(amount)} as ${fen} fen`, () => {
      assert.equal(yuanToFen(amount, 'total_price'), fen);
    });
  }

  it('never multiplies floats: 0.29 is 29 fen, not 28', () => {
    assert.equal(Math.floor(0.29 * 100), 28, 'what naive arithmetic gives');
    assert.equal(yuanToFen(0.29, 'total_price'), 29);
    for (let fen = 1; fen <= 10_000; fen++) {
      assert.equal(yuanToFen(fen / 100, 'x'), fen, `${fen / 100}`);
    }
  });

  const bad: [unknown, RegExp][] = [
    [0, /greater than zero/],
    ['0', /greater than zero/],
    ['0.00', /greater than zero/],
    [-0.01, /positive/],
    ['-1', /positive/],
    [-0, /greater than zero|positive/],
    [0.001, /fraction of a fen/],
    ['0.105', /fraction of a fen/],
    [2.675, /fraction of a fen/],
    ['abc', /decimal amount/],
    ['', /decimal amount/],
    ['1,5', /decimal amount/],
    ['1.', /decimal amount/],
    ['.5', /decimal amount/],
    [' 1', /decimal amount/],
    ['1e2', /decimal amount/],
    [1e-5, /decimal amount/],
    [1e20, /decimal amount/],
    ['0x10', /decimal amount/],
    [Number.NaN, /finite/],
    [Number.POSITIVE_INFINITY, /finite/],
    [true, /number or numeric string/],
    [null, /number or numeric string/],
    [undefined, /number or numeric string/],
    [{}, /number or numeric string/],
    ['99999999999999999', /too large/],
  ];
  for (const [amount, message] of bad) {
    it(`refuses ${typeof amount} ${JSON.stringify(String(amount))} with a ValidationError`, () => {
      assert.throws(
        () => yuanToFen(amount, 'refund_price'),
        (error: unknown) =>
          error instanceof ValidationError &&
          error.status === 40005 &&
          error.message.startsWith('refund_price ') &&
          message.test(error.message),
      );
    });
  }

  it('accepts the largest safe amount and refuses one fen more', () => {
    const yuan = fenToYuan(MAX_FEN);
    assert.equal(yuanToFen(yuan, 'x'), MAX_FEN);
    assert.throws(() => yuanToFen('90071992547409.92', 'x'), /too large/);
  });
});

describe('fenToYuan', () => {
  const cases: [number, string][] = [
    [0, '0.00'],
    [1, '0.01'],
    [10, '0.10'],
    [29, '0.29'],
    [100, '1.00'],
    [153720, '1537.20'],
    [-5, '-0.05'],
    [-12345, '-123.45'],
    [MAX_FEN, '90071992547409.91'],
  ];
  for (const [fen, yuan] of cases) {
    it(`writes ${fen} fen as "${yuan}"`, () => {
      assert.equal(fenToYuan(fen), yuan);
    });
  }

  it('round-trips with yuanToFen', () => {
    for (const fen of [1, 9, 10, 99, 100, 101, 12345, 100000000]) {
      assert.equal(yuanToFen(fenToYuan(fen), 'x'), fen);
    }
  });

  it('refuses fen that are not a safe integer', () => {
    for (const fen of [0.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_FEN + 1]) {
      assert.throws(() => fenToYuan(fen), RangeError);
    }
  });
});
