import assert from 'node:assert/strict';
import { payParamsEndpoint } from '../../lib/endpoints/pay-params';
import { refundEndpoint } from '../../lib/endpoints/refund';
import { refundQueryEndpoint } from '../../lib/endpoints/refund-query';
import { parsePhpJson, ValidationError } from '../../lib/index';
import { validate } from '../../lib/pipeline/validate';
import { APP_ID, payParamsData, refundData, refundQueryData } from '../helpers/fixtures';

function data(value: unknown): ReturnType<typeof parsePhpJson> {
  return parsePhpJson(typeof value === 'string' ? value : JSON.stringify(value));
}

function assertInvalid(run: () => unknown, message: RegExp) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.status, 40005);
    assert.match(error.message, message);
    return true;
  });
}

describe('validate', () => {
  describe('pay params', () => {
    it('builds the typed request, fen included', () => {
      const request = validate(payParamsEndpoint, data(payParamsData), APP_ID);
      assert.equal(request.app_id, APP_ID);
      assert.equal(request.order_id, payParamsData.order_id);
      assert.equal(request.openid, payParamsData.openid);
      assert.equal(request.total_price, 0.29);
      assert.equal(request.total_fen, 29);
      assert.equal(request.order_type, 1);
    });

    it('reads order_type "2" as 2 and keeps unknown fields in data', () => {
      const request = validate(
        payParamsEndpoint,
        data({ ...payParamsData, order_type: '2', coupon: { id: 7 }, note: 'x' }),
        APP_ID,
      );
      assert.equal(request.order_type, 2);
      assert.equal(request.data.note, 'x');
      assert.deepEqual({ ...(request.data.coupon as object) }, { id: 7 });
      assert.equal(Object.getPrototypeOf(request.data), null, 'data is a null-prototype record');
    });

    it('accepts data.app_id equal to the envelope’s', () => {
      const request = validate(
        payParamsEndpoint,
        data({ ...payParamsData, app_id: APP_ID }),
        APP_ID,
      );
      assert.equal(request.app_id, APP_ID);
    });

    it('refuses data.app_id that differs from the envelope’s', () => {
      assertInvalid(
        () => validate(payParamsEndpoint, data({ ...payParamsData, app_id: 'other' }), APP_ID),
        /data\.app_id differs/,
      );
    });

    const bad: [string, unknown, RegExp][] = [
      [
        'a missing order_id',
        { ...payParamsData, order_id: undefined },
        /data has no order_id field/,
      ],
      ['a missing total_price', { ...payParamsData, total_price: undefined }, /no total_price/],
      ['a numeric openid', { ...payParamsData, openid: 12 }, /data\.openid must be string/],
      ['an empty openid', { ...payParamsData, openid: '' }, /data\.openid/],
      [
        'an order_id over 128 characters',
        { ...payParamsData, order_id: 'x'.repeat(129) },
        /order_id/,
      ],
      [
        'order_type 4',
        { ...payParamsData, order_type: 4 },
        /data\.order_type must be one of 1, 2, 3/,
      ],
      ['order_type 1.5', { ...payParamsData, order_type: 1.5 }, /order_type/],
      ['order_type null', { ...payParamsData, order_type: null }, /order_type/],
      [
        'total_price as a list',
        { ...payParamsData, total_price: [1] },
        /total_price must be number,string/,
      ],
      [
        'total_price 0',
        { ...payParamsData, total_price: 0 },
        /total_price must be greater than zero/,
      ],
      ['total_price -1', { ...payParamsData, total_price: -1 }, /total_price must be positive/],
      ['total_price 0.001', { ...payParamsData, total_price: 0.001 }, /fraction of a fen/],
      [
        'total_price "free"',
        { ...payParamsData, total_price: 'free' },
        /total_price must be a decimal/,
      ],
      ['a numeric app_id', { ...payParamsData, app_id: 5 }, /app_id/],
      ['a list', [payParamsData], /data must be object/],
      ['a string', '"SUCCESS"', /data must be object/],
      ['null', null, /data must be object/],
    ];
    for (const [what, value, message] of bad) {
      it(`refuses ${what}`, () => {
        assertInvalid(() => validate(payParamsEndpoint, data(value), APP_ID), message);
      });
    }

    it('refuses an integer beyond 2^53 as total_price', () => {
      assertInvalid(
        () =>
          validate(
            payParamsEndpoint,
            data(`{"order_id":"o","openid":"x","order_type":1,"total_price":9007199254740993}`),
            APP_ID,
          ),
        /total_price/,
      );
    });
  });

  describe('refund', () => {
    it('builds the typed request with refund_fen and total_fen', () => {
      const request = validate(refundEndpoint, data(refundData), APP_ID);
      assert.equal(request.refund_fen, 10);
      assert.equal(request.total_fen, 29);
      assert.equal(request.refund_price, '0.10');
      assert.equal(request.transaction_id, refundData.transaction_id);
    });

    it('accepts a full refund and sloppy numeric types', () => {
      const request = validate(
        refundEndpoint,
        data({ ...refundData, refund_price: 0.29, total_price: '0.29', order_type: '3' }),
        APP_ID,
      );
      assert.equal(request.refund_fen, 29);
      assert.equal(request.total_fen, 29);
      assert.equal(request.order_type, 3);
    });

    it('refuses a refund above the total, naming both amounts in fen', () => {
      assertInvalid(
        () => validate(refundEndpoint, data({ ...refundData, refund_price: '0.30' }), APP_ID),
        /refund_price \(30 fen\) is above the order's total_price \(29 fen\)/,
      );
    });

    for (const field of [
      'order_id',
      'refund_price',
      'refund_order_id',
      'total_price',
      'transaction_id',
      'order_type',
    ]) {
      it(`refuses data without ${field}`, () => {
        assertInvalid(
          () => validate(refundEndpoint, data({ ...refundData, [field]: undefined }), APP_ID),
          new RegExp(`data has no ${field} field`),
        );
      });
    }
  });

  describe('refund query', () => {
    it('builds the typed request', () => {
      const request = validate(refundQueryEndpoint, data(refundQueryData), APP_ID);
      assert.equal(request.order_id, refundQueryData.order_id);
      assert.equal(request.refund_order_id, refundQueryData.refund_order_id);
      assert.equal(request.app_id, APP_ID);
    });

    it('refuses a numeric refund_order_id', () => {
      assertInvalid(
        () =>
          validate(refundQueryEndpoint, data({ ...refundQueryData, refund_order_id: 5 }), APP_ID),
        /refund_order_id must be string/,
      );
    });
  });
});
