import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { Status, sealRequest } from '../../lib/index';
import {
  AES_KEY,
  AES_TOKEN,
  APP_ID,
  MD5_KEY,
  payParamsData,
  refundData,
  refundQueryData,
} from '../helpers/fixtures';
import { assertNoStackTrace, openResponse, samplePayParams, useTestApps } from '../helpers/harness';

const FORM = 'application/x-www-form-urlencoded';
const keys = { md5Key: MD5_KEY, aesKey: AES_KEY, aesToken: AES_TOKEN };

function envelope(signType = 'MD5') {
  return sealRequest(APP_ID, { ...payParamsData, app_id: APP_ID }, keys, signType);
}

describe('createZhichiRouter behind a host app that parses bodies itself', () => {
  const apps = useTestApps();

  for (const extended of [false, true]) {
    describe(`express.urlencoded({ extended: ${extended} }) before the router`, () => {
      const host = (app: express.Express) => {
        app.use(express.urlencoded({ extended }));
      };

      for (const signType of ['MD5', 'PKCS#7']) {
        it(`answers all three calls as without it (${signType})`, async () => {
          const { platform, calls } = apps.create({}, host);
          const sim = platform(signType);
          const pay = await sim.payParams(payParamsData);
          assert.equal(pay.status, 0, pay.body);
          assert.deepEqual(openResponse(pay.envelope), samplePayParams);
          const refund = await sim.refund(refundData);
          assert.equal(refund.status, 0, refund.body);
          const query = await sim.refundQuery(refundQueryData);
          assert.equal(openResponse(query.envelope), 'SUCCESS');
          assert.equal(calls.payParams[0]?.total_fen, 29);
          assert.equal(calls.refund[0]?.refund_fen, 10);
        });
      }

      it('still refuses a duplicated field and a nested one with 40001', async () => {
        const { app } = apps.create({}, host);
        const form = new URLSearchParams({ ...envelope() }).toString();
        for (const body of [`${form}&sign_type=MD5`, `${form}&data[x]=1`]) {
          const res = await request(app).post('/zhichi/pay-params').type('form').send(body);
          if (!extended && body.includes('data[x]')) {
            // Without qs, `data[x]` is a field of its own name: the envelope is still fine.
            assert.equal(res.body.status, 0);
            continue;
          }
          assert.equal(res.body.status, Status.MALFORMED_ENVELOPE, body);
        }
      });

      it('refuses an empty form with 40001', async () => {
        const { app } = apps.create({}, host);
        const res = await request(app).post('/zhichi/refund').set('content-type', FORM).send('');
        assert.equal(res.status, 200);
        assert.equal(res.body.status, Status.MALFORMED_ENVELOPE);
      });
    });
  }

  it('works behind express.json(), which leaves urlencoded bodies alone', async () => {
    const { platform } = apps.create({}, (app) => {
      app.use(express.json());
    });
    const res = await platform('PKCS#7').payParams(payParamsData);
    assert.equal(res.status, 0, res.body);
  });

  it('answers a JSON body the host parsed with 415', async () => {
    const { app, calls } = apps.create({}, (a) => {
      a.use(express.json());
    });
    const res = await request(app)
      .post('/zhichi/pay-params')
      .set('content-type', 'application/json')
      .send(JSON.stringify(envelope()));
    assert.equal(res.status, 415);
    assert.equal(res.body.status, Status.MALFORMED_ENVELOPE);
    assert.equal(calls.payParams.length, 0);
  });

  it('reads the fields a host parsed from JSON sent with the urlencoded content type', async () => {
    const { app, calls } = apps.create({}, (a) => {
      a.use(express.json({ type: FORM }));
    });
    const res = await request(app)
      .post('/zhichi/pay-params')
      .set('content-type', FORM)
      .send(JSON.stringify(envelope()));
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 0, res.text);
    assert.equal(calls.payParams.length, 1);
  });

  it('refuses non-string fields a host parsed from JSON with 40001', async () => {
    const { app, calls } = apps.create({}, (a) => {
      a.use(express.json({ type: FORM }));
    });
    const env = envelope();
    for (const body of [
      { ...env, data: JSON.parse(env.data) },
      { ...env, app_id: [APP_ID] },
      { ...env, sign: 123 },
    ]) {
      const res = await request(app)
        .post('/zhichi/pay-params')
        .set('content-type', FORM)
        .send(JSON.stringify(body));
      assert.equal(res.status, 200);
      assert.equal(res.body.status, Status.MALFORMED_ENVELOPE, res.text);
      assertNoStackTrace(res.text);
    }
    assert.equal(calls.payParams.length, 0);
  });

  for (const [name, parser] of [
    ['express.text', () => express.text({ type: '*/*' })],
    ['express.raw', () => express.raw({ type: '*/*' })],
  ] as const) {
    it(`answers 40001, without hanging, when ${name}() already consumed the body`, async () => {
      const { app } = apps.create({}, (a) => {
        a.use(parser());
      });
      const res = await request(app)
        .post('/zhichi/pay-params')
        .type('form')
        .send(new URLSearchParams({ ...envelope() }).toString())
        .timeout(3000);
      assert.equal(res.status, 200);
      assert.equal(res.body.status, Status.MALFORMED_ENVELOPE);
    });
  }
});
