import assert from 'node:assert/strict';
import { BusinessError, Status, sealRequest } from '../../lib/index';
import type { SimulatedResponse } from '../../lib/testing/platform-simulator';
import {
  AES_KEY,
  AES_TOKEN,
  APP_ID,
  MD5_KEY,
  payParamsData,
  refundData,
  refundQueryData,
} from '../helpers/fixtures';
import { assertNoSecretsLogged, useTestApps } from '../helpers/harness';

describe('what the router logs', () => {
  const apps = useTestApps();

  it('never logs a key, a token, a signature, data or a full openid, whatever happens', async () => {
    let mode: 'ok' | 'throw' | 'refuse' | 'hang' = 'ok';
    const { platform, logger } = apps.create({
      handlerTimeoutMs: 30,
      payParams: async (request) => {
        if (mode === 'throw') throw new Error('handler exploded');
        if (mode === 'refuse') throw new BusinessError('余额不足');
        if (mode === 'hang') return new Promise(() => {});
        return {
          timeStamp: '1',
          nonceStr: 'n',
          package: 'prepay_id=1',
          signType: 'MD5',
          paySign: 'PAYSIGN-SECRET-ISH',
          openid: request.openid,
        };
      },
    });
    const md5 = platform('MD5');
    const aes = platform('PKCS#7');
    const signs: string[] = [];
    const track = async (promise: Promise<SimulatedResponse<unknown>>) => {
      const res = await promise;
      if (res.request.sign) signs.push(res.request.sign);
      if (res.envelope?.sign) signs.push(res.envelope.sign);
      return res;
    };
    for (const sim of [md5, aes]) {
      for (const m of ['ok', 'throw', 'refuse', 'hang'] as const) {
        mode = m;
        await track(sim.payParams(payParamsData));
      }
      mode = 'ok';
      await track(sim.payParams({ ...payParamsData, total_price: -1 }));
      await track(sim.payParams({ ...payParamsData, order_type: 9 }));
      await track(sim.payParams({ ...payParamsData, app_id: 'other' }));
      await track(sim.refund({ ...refundData, refund_price: '9' }));
      await track(sim.refund(refundData));
      await track(sim.refundQuery(refundQueryData));
    }
    await track(platform('MD5', { md5Key: 'wrong' }).payParams(payParamsData));
    await track(platform('PKCS#7', { aesKey: 'k'.repeat(32) }).payParams(payParamsData));
    const env = sealRequest(APP_ID, payParamsData, {
      md5Key: MD5_KEY,
      aesKey: AES_KEY,
      aesToken: AES_TOKEN,
    });
    await track(md5.send('pay-params', { ...env, sign_type: 'RSA' }));
    await track(md5.send('pay-params', { ...env, data: env.data.replace('0.29', '0.28') }));

    assert.ok(logger.lines.length >= 20, `${logger.lines.length} lines`);
    assertNoSecretsLogged(logger, [
      ...new Set(signs),
      'PAYSIGN-SECRET-ISH',
      env.data,
      JSON.stringify(payParamsData),
    ]);
    // Every line says which call and with what status.
    for (const line of logger.lines) {
      assert.equal(typeof line.meta.endpoint, 'string', line.message);
      assert.equal(typeof line.meta.status, 'number', line.message);
    }
    // Only our own failures are errors; refusals of the platform's calls are warnings.
    for (const line of logger.lines.filter((l) => l.level === 'error')) {
      assert.equal(line.meta.status, Status.INTERNAL_ERROR);
    }
    assert.ok(
      logger.lines.some((l) => l.level === 'warn' && l.meta.status === Status.SIGNATURE_MISMATCH),
    );
    assert.ok(
      logger.lines.some((l) => l.level === 'warn' && l.meta.status === Status.BUSINESS_ERROR),
    );
    // The masked openid correlates without identifying.
    const masked = logger.lines.find((l) => l.meta.openid !== undefined)?.meta.openid;
    assert.equal(masked, 'oRu8…m_U');
  });
});

describe('a logger that throws', () => {
  const apps = useTestApps();

  it('changes no answer and never leaks a stack trace', async () => {
    const throwing = {
      error: () => {
        throw new Error('log sink down');
      },
      warn: () => {
        throw new Error('log sink down');
      },
      info: () => {
        throw new Error('log sink down');
      },
      debug: () => {
        throw new Error('log sink down');
      },
    };
    let refunds = 0;
    const { platform } = apps.create({
      logger: throwing,
      refund: async () => {
        refunds++;
        return { refund_id: 'R' };
      },
      payParams: async () => {
        throw new Error('boom');
      },
    });
    const sim = platform();
    const ok = await sim.refund(refundData);
    assert.equal(ok.status, 0, ok.body);
    assert.equal(refunds, 1);
    const refused = await sim.refund({ ...refundData, refund_price: '99' });
    assert.equal(refused.status, Status.INVALID_DATA, refused.body);
    const failed = await sim.payParams(payParamsData);
    assert.equal(failed.status, Status.INTERNAL_ERROR, failed.body);
    for (const res of [ok, refused, failed]) {
      assert.equal(res.httpStatus, 200);
      assert.ok(!res.body.includes('log sink down'));
    }
  });
});
