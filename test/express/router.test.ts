import assert from 'node:assert/strict';
import { Status } from '../../lib/index';
import { APP_ID, MD5_KEY, payParamsData, refundData, refundQueryData } from '../helpers/fixtures';
import { md5Hex, openResponse, samplePayParams, useTestApps } from '../helpers/harness';

describe('createZhichiRouter: the three calls answered', () => {
  const apps = useTestApps();

  for (const signType of ['MD5', 'md5', 'PKCS#7', 'pkcs7', 'PKCS7']) {
    describe(`sign_type ${signType}`, () => {
      it('answers pay params with status 0, the handler’s params (extras included), sealed', async () => {
        const { platform, calls } = apps.create();
        const res = await platform(signType).payParams(payParamsData);
        assert.equal(res.httpStatus, 200);
        assert.equal(res.status, Status.OK);
        assert.equal(res.envelope?.app_id, APP_ID);
        assert.equal(res.envelope?.sign_type, signType, 'the request’s sign_type is echoed');
        assert.equal(res.msg, undefined);
        assert.ok(res.signatureValid);
        assert.deepEqual(openResponse(res.envelope), samplePayParams);
        assert.equal(calls.payParams.length, 1);
      });

      it('answers a refund with status 0 and the refund id', async () => {
        const { platform, calls } = apps.create();
        const res = await platform(signType).refund(refundData);
        assert.equal(res.status, Status.OK);
        assert.equal(res.envelope?.sign_type, signType);
        assert.ok(res.signatureValid);
        assert.deepEqual(openResponse(res.envelope), {
          refund_id: '50000000382019052709732678859',
        });
        assert.equal(calls.refund.length, 1);
      });

      it('answers a refund query with the bare status string', async () => {
        const { platform, calls } = apps.create();
        const res = await platform(signType).refundQuery(refundQueryData);
        assert.equal(res.status, Status.OK);
        assert.equal(res.envelope?.sign_type, signType);
        assert.ok(res.signatureValid);
        assert.equal(openResponse(res.envelope), 'SUCCESS');
        assert.equal(calls.refundQuery.length, 1);
      });
    });
  }

  it('signs a refund query answer as the string itself: data "\\"SUCCESS\\"", sign md5(SUCCESS+key)', async () => {
    const res = await apps.create().platform('MD5').refundQuery(refundQueryData);
    assert.equal(res.envelope?.data, '"SUCCESS"');
    assert.equal(res.envelope?.sign, md5Hex(`SUCCESS${MD5_KEY}`));
  });

  it('answers each refund query status the handler gives', async () => {
    for (const answer of ['NOT_REFUND_YET', 'SUCCESS', 'FAIL'] as const) {
      const res = await apps
        .create({ refundQuery: async () => answer })
        .platform('PKCS#7')
        .refundQuery(refundQueryData);
      assert.equal(res.status, 0);
      assert.equal(openResponse(res.envelope), answer);
    }
  });

  it('answers {} when the refund handler returns undefined', async () => {
    for (const signType of ['MD5', 'PKCS#7']) {
      const res = await apps
        .create({ refund: async () => undefined })
        .platform(signType)
        .refund(refundData);
      assert.equal(res.status, 0);
      assert.equal(res.dataText, '{}');
      assert.deepEqual(openResponse(res.envelope), {});
    }
  });

  it('turns a numeric refund_id from a channel SDK into a string', async () => {
    const res = await apps
      .create({ refund: async () => ({ refund_id: 1234567 }) as never })
      .platform()
      .refund(refundData);
    assert.equal(res.status, 0);
    assert.deepEqual(openResponse(res.envelope), { refund_id: '1234567' });
  });

  it('hands the pay-params handler a typed request with integer fen', async () => {
    const { platform, calls } = apps.create();
    const res = await platform().payParams({ ...payParamsData, order_type: '2', extra: 'x' });
    assert.equal(res.status, 0);
    const [request] = calls.payParams;
    assert.ok(request);
    assert.equal(request.app_id, APP_ID);
    assert.equal(request.order_id, payParamsData.order_id);
    assert.equal(request.openid, payParamsData.openid);
    assert.equal(request.total_price, 0.29);
    assert.equal(request.total_fen, 29);
    assert.equal(request.order_type, 2);
    assert.equal(request.data.extra, 'x', 'unknown data fields reach the handler');
  });

  it('hands the refund handler refund_fen and total_fen without float arithmetic', async () => {
    const { platform, calls } = apps.create();
    await platform('PKCS#7').refund({
      ...refundData,
      refund_price: '0.10',
      total_price: 1537.1999999999998,
      order_type: 3,
    });
    const [request] = calls.refund;
    assert.ok(request);
    assert.equal(request.refund_fen, 10);
    assert.equal(request.refund_price, '0.10');
    assert.equal(request.total_fen, 153720);
    assert.equal(request.total_price, 1537.1999999999998);
    assert.equal(request.order_type, 3);
    assert.equal(request.refund_order_id, refundData.refund_order_id);
    assert.equal(request.transaction_id, refundData.transaction_id);
  });

  it('accepts the numeric strings a sloppy PHP sender writes for total_price and order_type', async () => {
    const { platform, calls } = apps.create();
    const res = await platform().payParams({
      ...payParamsData,
      total_price: '12.30',
      order_type: '1',
    });
    assert.equal(res.status, 0);
    assert.equal(calls.payParams[0]?.total_fen, 1230);
    assert.equal(calls.payParams[0]?.order_type, 1);
  });

  it('verifies integers beyond 2^53 in data exactly as PHP signs them', async () => {
    const { platform, calls } = apps.create();
    // JSON.parse would round this id; the signature is over PHP's exact integer.
    const text = `{"order_id":"o1","openid":"${payParamsData.openid}","total_price":1,"order_type":1,"seq":9007199254740993,"app_id":"${APP_ID}"}`;
    const res = await platform().call('pay-params', text);
    assert.equal(res.status, 0, res.body);
    assert.equal(calls.payParams[0]?.data.seq, 9007199254740993n);
  });

  it('passes the handler its context: app, mode, sign_type, deadline and signal', async () => {
    let seen: unknown;
    const { platform } = apps.create({
      handlerTimeoutMs: 1000,
      payParams: async (_req, context) => {
        seen = {
          appId: context.appId,
          mode: context.mode,
          signType: context.signType,
          aborted: context.signal.aborted,
          deadlineAhead: context.deadline > Date.now(),
        };
        return samplePayParams;
      },
    });
    await platform('pkcs7').payParams(payParamsData);
    assert.deepEqual(seen, {
      appId: APP_ID,
      mode: 'PKCS#7',
      signType: 'pkcs7',
      aborted: false,
      deadlineAhead: true,
    });
  });

  it('logs one info line per successful call with the openid masked', async () => {
    const { platform, logger } = apps.create();
    await platform().payParams(payParamsData);
    const ok = logger.lines.filter((l) => l.level === 'info');
    assert.equal(ok.length, 1);
    assert.equal(ok[0]?.message, 'zhichi pay-params ok');
    assert.equal(ok[0]?.meta.status, 0);
    assert.equal(ok[0]?.meta.total_fen, 29);
    assert.notEqual(ok[0]?.meta.openid, payParamsData.openid);
  });

  it('answers only POST on the three paths', async () => {
    const { platform } = apps.create();
    const res = await platform().send('unknown', { app_id: APP_ID });
    assert.equal(res.httpStatus, 404);
  });

  it('writes the JSON envelope itself, whatever the host’s JSON settings', async () => {
    const { platform } = apps.create({}, (app) => {
      app.set('json spaces', 4);
      app.set('json replacer', () => 'replaced');
    });
    const res = await platform().payParams(payParamsData);
    assert.equal(res.status, 0);
    assert.ok(!res.body.includes('\n'), 'no spaces added');
    assert.ok(res.signatureValid);
  });
});
