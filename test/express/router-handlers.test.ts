import assert from 'node:assert/strict';
import { BusinessError, HandlerTimeoutError, Status } from '../../lib/index';
import { payParamsData, refundData, refundQueryData } from '../helpers/fixtures';
import { assertStatus, openResponse, samplePayParams, useTestApps } from '../helpers/harness';

const GENERIC = 'internal error; the merchant has been alerted';

describe('createZhichiRouter: what the handlers do', () => {
  const apps = useTestApps();

  for (const signType of ['MD5', 'PKCS#7']) {
    it(`answers 50000 with a generic msg when a handler throws, and logs the cause (${signType})`, async () => {
      const { platform, logger } = apps.create({
        payParams: async () => {
          throw new Error('connection refused by 10.0.0.7:5432');
        },
      });
      const res = await platform(signType).payParams(payParamsData);
      assertStatus(res, Status.INTERNAL_ERROR);
      assert.equal(res.msg, GENERIC);
      assert.deepEqual(openResponse(res.envelope), { msg: GENERIC });
      assert.ok(!res.body.includes('10.0.0.7'), 'the cause stays out of the answer');
      const errors = logger.lines.filter((l) => l.level === 'error');
      assert.equal(errors.length, 1);
      assert.equal(errors[0]?.meta.status, Status.INTERNAL_ERROR);
      assert.match(String(errors[0]?.meta.cause), /connection refused by 10\.0\.0\.7:5432/);
    });
  }

  it('answers 50000 when a handler throws a non-Error value', async () => {
    const { platform, logger } = apps.create({
      refundQuery: () => {
        throw 'plain string';
      },
    });
    const res = await platform().refundQuery(refundQueryData);
    assertStatus(res, Status.INTERNAL_ERROR);
    assert.match(logger.text(), /plain string/);
  });

  it('answers 42200 with the message of a BusinessError', async () => {
    for (const signType of ['MD5', 'pkcs7']) {
      const { platform, logger } = apps.create({
        payParams: async () => {
          throw new BusinessError('余额不足');
        },
      });
      const res = await platform(signType).payParams(payParamsData);
      assertStatus(res, Status.BUSINESS_ERROR);
      assert.equal(res.msg, '余额不足');
      assert.equal(res.envelope.sign_type, signType);
      assert.deepEqual(openResponse(res.envelope), { msg: '余额不足' });
      // A refusal is not an incident: a warning, not an error.
      assert.equal(logger.lines.filter((l) => l.level === 'error').length, 0);
      assert.equal(logger.lines.filter((l) => l.level === 'warn').length, 1);
    }
  });

  it('answers 42200 from a refund-query handler too', async () => {
    const { platform } = apps.create({
      refundQuery: () => {
        throw new BusinessError('订单不存在');
      },
    });
    const res = await platform().refundQuery(refundQueryData);
    assertStatus(res, Status.BUSINESS_ERROR);
    assert.equal(res.msg, '订单不存在');
  });

  it('answers 50000 when a handler hangs past handlerTimeoutMs, and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    const { platform, logger } = apps.create({
      handlerTimeoutMs: 30,
      payParams: (_request, context) => {
        signal = context.signal;
        return new Promise(() => {});
      },
    });
    const started = Date.now();
    const res = await platform().payParams(payParamsData);
    assertStatus(res, Status.INTERNAL_ERROR);
    assert.equal(res.msg, GENERIC);
    assert.ok(Date.now() - started < 2000, 'answered at the deadline');
    assert.ok(signal?.aborted, 'the handler’s signal is aborted');
    assert.ok(signal?.reason instanceof HandlerTimeoutError);
    const errors = logger.lines.filter((l) => l.level === 'error');
    assert.equal(errors[0]?.meta.code, 'HANDLER_TIMEOUT');
  });

  it('does not abort the signal of a handler that answers in time', async () => {
    let signal: AbortSignal | undefined;
    const { platform } = apps.create({
      handlerTimeoutMs: 30,
      refundQuery: (_request, context) => {
        signal = context.signal;
        return 'FAIL';
      },
    });
    const res = await platform().refundQuery(refundQueryData);
    assert.equal(res.status, 0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(signal?.aborted, false);
  });

  it('times out a hanging refund handler too', async () => {
    let signal: AbortSignal | undefined;
    const { platform } = apps.create({
      handlerTimeoutMs: 30,
      refund: (_request, context) => {
        signal = context.signal;
        return new Promise(() => {});
      },
    });
    const res = await platform().refund(refundData);
    assertStatus(res, Status.INTERNAL_ERROR);
    assert.ok(signal?.aborted);
  });

  describe('an invalid handler result is answered 50000', () => {
    const { paySign: _omit, ...withoutPaySign } = samplePayParams;
    const cases: [string, Record<string, unknown>][] = [
      ['pay params missing paySign', { payParams: async () => withoutPaySign }],
      [
        'pay params with an empty package',
        { payParams: async () => ({ ...samplePayParams, package: '' }) },
      ],
      [
        'pay params with a numeric timeStamp',
        { payParams: async () => ({ ...samplePayParams, timeStamp: 1556000000 }) },
      ],
      ['pay params that are a string', { payParams: async () => 'prepay_id=1' }],
      ['pay params that are undefined', { payParams: async () => undefined }],
      ['refund query DONE', { refundQuery: async () => 'DONE' }],
      ['refund query in lower case', { refundQuery: async () => 'success' }],
      ['refund query as an object', { refundQuery: async () => ({ status: 'SUCCESS' }) }],
      ['refund returning a string', { refund: async () => 'R1' }],
      ['refund returning an empty refund_id', { refund: async () => ({ refund_id: '' }) }],
      ['refund returning a list', { refund: async () => ['R1'] }],
    ];
    for (const [what, options] of cases) {
      it(what, async () => {
        const { platform, logger } = apps.create(options);
        const sim = platform();
        const res =
          'payParams' in options
            ? await sim.payParams(payParamsData)
            : 'refund' in options
              ? await sim.refund(refundData)
              : await sim.refundQuery(refundQueryData);
        assertStatus(res, Status.INTERNAL_ERROR);
        assert.equal(res.msg, GENERIC);
        const errors = logger.lines.filter((l) => l.level === 'error');
        assert.equal(errors.length, 1);
        assert.equal(errors[0]?.meta.code, 'INVALID_HANDLER_RESULT');
      });
    }
  });

  it('answers 50000, not a crash, when pay params cannot be written as JSON', async () => {
    const { platform } = apps.create({
      payParams: async () => ({ ...samplePayParams, sequence: 1n }) as never,
    });
    const res = await platform().payParams(payParamsData);
    assertStatus(res, Status.INTERNAL_ERROR);
    assert.equal(res.msg, GENERIC);
  });

  it('answers each call independently when handlers fail', async () => {
    const { platform } = apps.create({
      payParams: async () => {
        throw new Error('boom');
      },
    });
    const sim = platform();
    assert.equal((await sim.payParams(payParamsData)).status, Status.INTERNAL_ERROR);
    assert.equal((await sim.refundQuery(refundQueryData)).status, 0);
    assert.equal((await sim.payParams(payParamsData)).status, Status.INTERNAL_ERROR);
  });
});
