import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import request from 'supertest';
import { encryptData, Status, sealRequest, signData } from '../../lib/index';
import {
  AES_KEY,
  AES_TOKEN,
  APP_ID,
  MD5_KEY,
  payParamsData,
  refundData,
} from '../helpers/fixtures';
import {
  assertNoStackTrace,
  assertStatus,
  md5Hex,
  openResponse,
  useTestApps,
} from '../helpers/harness';

const FORM = 'application/x-www-form-urlencoded';

function form(fields: object): string {
  return new URLSearchParams(fields as Record<string, string>).toString();
}

function payParamsEnvelope(signType = 'MD5', data: unknown = { ...payParamsData, app_id: APP_ID }) {
  return sealRequest(
    APP_ID,
    data,
    { md5Key: MD5_KEY, aesKey: AES_KEY, aesToken: AES_TOKEN },
    signType,
  );
}

describe('createZhichiRouter: bad calls answered with their status', () => {
  const apps = useTestApps();

  /** An error answer for a known app: signed/encrypted {"msg": …} and msg beside it. */
  function assertSealedError(res: { envelope?: unknown; msg: string | undefined }) {
    const data = openResponse(res.envelope as never) as { msg: string };
    assert.deepEqual(Object.keys(data), ['msg']);
    assert.equal(data.msg, res.msg);
    assert.ok(res.msg && res.msg.length > 0);
  }

  describe('40001 malformed envelope', () => {
    for (const field of ['app_id', 'data', 'sign_type'] as const) {
      it(`refuses a form without ${field}`, async () => {
        const { platform, calls } = apps.create();
        const fields: Record<string, string> = { ...payParamsEnvelope() };
        delete fields[field];
        const res = await platform().send('pay-params', fields);
        assertStatus(res, Status.MALFORMED_ENVELOPE);
        assert.match(res.msg ?? '', new RegExp(field));
        assert.equal(calls.payParams.length, 0);
      });

      it(`refuses a form with an empty ${field}`, async () => {
        const { platform } = apps.create();
        const res = await platform().send('pay-params', { ...payParamsEnvelope(), [field]: '' });
        assertStatus(res, Status.MALFORMED_ENVELOPE);
        assert.match(res.msg ?? '', /empty/);
      });
    }

    it('refuses an MD5 form without sign, or with an empty one, and seals the answer for the app', async () => {
      const { platform } = apps.create();
      const { sign: _sign, ...unsigned } = payParamsEnvelope();
      for (const fields of [unsigned, { ...unsigned, sign: '' }]) {
        const res = await platform().send('pay-params', fields);
        assertStatus(res, Status.MALFORMED_ENVELOPE);
        assertSealedError(res);
      }
    });

    it('seals a malformed-envelope answer when the form names a known app', async () => {
      const { platform } = apps.create();
      const md5 = payParamsEnvelope('MD5');
      const aes = payParamsEnvelope('PKCS#7');
      const cases: [Record<string, string>, string][] = [
        [{ app_id: APP_ID, sign: md5.sign, sign_type: 'MD5' }, 'MD5'],
        [{ ...md5, data: '' }, 'MD5'],
        [{ app_id: APP_ID, sign: '', sign_type: 'PKCS#7' }, 'PKCS#7'],
        [{ ...aes, data: '' }, 'PKCS#7'],
        [{ app_id: APP_ID, data: md5.data, sign: md5.sign }, 'MD5'],
      ];
      for (const [fields, signType] of cases) {
        const res = await platform().send('pay-params', fields);
        assertStatus(res, Status.MALFORMED_ENVELOPE);
        assert.equal(res.envelope.app_id, APP_ID);
        assert.equal(res.envelope.sign_type, signType);
        assertSealedError(res);
      }
    });

    it('refuses a duplicated field', async () => {
      const { app, calls } = apps.create();
      const env = payParamsEnvelope();
      const res = await request(app)
        .post('/zhichi/pay-params')
        .type('form')
        .send(`${form(env)}&app_id=${APP_ID}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.status, Status.MALFORMED_ENVELOPE);
      assert.match(res.body.msg, /app_id.*once/);
      assert.equal(calls.payParams.length, 0);
    });

    it('refuses an empty body', async () => {
      const { app } = apps.create();
      const res = await request(app).post('/zhichi/refund').set('content-type', FORM).send('');
      assert.equal(res.status, 200);
      assert.equal(res.body.status, Status.MALFORMED_ENVELOPE);
      assert.equal(res.body.data, '');
      assert.equal(res.body.sign, '');
    });

    it('refuses a body that is not urlencoded with HTTP 415 and an envelope', async () => {
      const { app, calls } = apps.create();
      for (const [type, body] of [
        ['application/json', JSON.stringify(payParamsEnvelope())],
        ['text/plain', form(payParamsEnvelope())],
        ['multipart/form-data; boundary=x', '--x--'],
      ] as const) {
        const res = await request(app)
          .post('/zhichi/pay-params')
          .set('content-type', type)
          .send(body);
        assert.equal(res.status, 415, type);
        assert.match(res.headers['content-type'] ?? '', /application\/json/);
        assert.equal(res.body.status, Status.MALFORMED_ENVELOPE);
        assert.equal(typeof res.body.msg, 'string');
        assert.deepEqual(Object.keys(res.body).sort(), [
          'app_id',
          'data',
          'msg',
          'sign',
          'sign_type',
          'status',
        ]);
      }
      assert.equal(calls.payParams.length, 0);
    });

    it('refuses a body without a content type with HTTP 415', async () => {
      const { app } = apps.create();
      const res = await request(app)
        .post('/zhichi/pay-params')
        .set('content-type', '')
        .send(Buffer.from(form(payParamsEnvelope())));
      assert.equal(res.status, 415);
      assert.equal(res.body.status, Status.MALFORMED_ENVELOPE);
    });

    it('refuses a body over the limit with HTTP 413 and an envelope', async () => {
      const { app, calls } = apps.create({ bodyLimit: 1024 });
      const big = payParamsEnvelope('MD5', {
        ...payParamsData,
        app_id: APP_ID,
        pad: 'x'.repeat(2000),
      });
      const res = await request(app).post('/zhichi/pay-params').type('form').send(form(big));
      assert.equal(res.status, 413);
      assert.equal(res.body.status, Status.MALFORMED_ENVELOPE);
      assert.match(res.body.msg, /limit/);
      assert.equal(calls.payParams.length, 0);
      // The same body fits the default 64kb limit.
      const fits = await apps.create().platform().send('pay-params', big);
      assert.equal(fits.status, 0);
    });

    it('reads a bodyLimit with surrounding spaces as the size it names', async () => {
      // body-parser's size reader takes ' 64kb' for 64 bytes; the limit must not shrink so.
      const { platform } = apps.create({ bodyLimit: ' 64kb ' });
      const res = await platform().payParams(payParamsData);
      assert.equal(res.status, 0, res.body);
      assert.equal(res.httpStatus, 200);
    });

    it('refuses MD5 data that is not JSON', async () => {
      const { platform } = apps.create();
      const res = await platform().send('pay-params', {
        app_id: APP_ID,
        data: '{"order_id":',
        sign: md5Hex('x'),
        sign_type: 'MD5',
      });
      assertStatus(res, Status.MALFORMED_ENVELOPE);
      assertSealedError(res);
    });
  });

  describe('40002 unknown app_id', () => {
    for (const signType of ['MD5', 'PKCS#7']) {
      it(`answers with empty data and sign (${signType})`, async () => {
        const { platform, calls } = apps.create();
        const res = await platform(signType, { appId: 'someone-else' }).payParams(payParamsData);
        assertStatus(res, Status.UNKNOWN_APP);
        assert.equal(res.envelope.data, '');
        assert.equal(res.envelope.sign, '');
        assert.equal(res.envelope.app_id, 'someone-else');
        assert.equal(res.envelope.sign_type, signType);
        assert.match(res.msg ?? '', /unknown app_id/);
        assert.equal(calls.payParams.length, 0);
      });
    }
  });

  describe('40003 signature mismatch', () => {
    it('refuses a request signed with another key', async () => {
      const { platform, calls } = apps.create();
      const res = await platform('MD5', { md5Key: 'not-the-key' }).payParams(payParamsData);
      assertStatus(res, Status.SIGNATURE_MISMATCH);
      // The answer is signed with the merchant's real key, so the impostor cannot verify it.
      assert.equal(res.signatureValid, false);
      assertSealedError(res);
      assert.equal(calls.payParams.length, 0);
    });

    it('refuses tampered data', async () => {
      const { platform, calls } = apps.create();
      const env = payParamsEnvelope();
      const tampered = env.data.replace('0.29', '0.01');
      assert.notEqual(tampered, env.data);
      const res = await platform().send('pay-params', { ...env, data: tampered });
      assertStatus(res, Status.SIGNATURE_MISMATCH);
      assert.equal(calls.payParams.length, 0);
    });

    it('refuses a sign that is not 32 hex digits', async () => {
      const { platform } = apps.create();
      const env = payParamsEnvelope();
      for (const sign of [`${env.sign}0`, env.sign.slice(1), 'z'.repeat(32)]) {
        const res = await platform().send('pay-params', { ...env, sign });
        assertStatus(res, Status.SIGNATURE_MISMATCH);
      }
    });

    it('accepts the signature in upper case', async () => {
      const { platform } = apps.create();
      const env = payParamsEnvelope();
      const res = await platform().send('pay-params', { ...env, sign: env.sign.toUpperCase() });
      assert.equal(res.status, 0);
    });

    it('accepts any key of a rotation and signs the answer with the first', async () => {
      const { platform } = apps.create({
        apps: { [APP_ID]: { md5Key: [MD5_KEY, 'old-key-1'] } },
      });
      const res = await platform('MD5', { md5Key: 'old-key-1' }).payParams(payParamsData);
      assert.equal(res.status, 0);
      assert.equal(res.envelope?.sign, signData(res.envelope?.data ?? '', MD5_KEY));
    });
  });

  describe('40004 cannot decrypt', () => {
    it('refuses data that is not base64', async () => {
      const { platform } = apps.create();
      for (const data of ['not base64!', 'QUJD', '%%%%']) {
        const res = await platform('PKCS#7').send('pay-params', {
          app_id: APP_ID,
          data,
          sign: '',
          sign_type: 'PKCS#7',
        });
        assertStatus(res, Status.DECRYPTION_FAILED);
        assertSealedError(res);
      }
    });

    it('refuses data encrypted with another AES key', async () => {
      const { platform, calls } = apps.create();
      const res = await platform('PKCS#7', {
        aesKey: 'ffffffffffffffffffffffffffffffff',
      }).payParams(payParamsData);
      assertStatus(res, Status.DECRYPTION_FAILED);
      assert.equal(res.envelope.sign_type, 'PKCS#7');
      assert.equal(calls.payParams.length, 0);
      // Sealed with the merchant's key: readable with the right one.
      assertSealedError(res);
    });

    it('answers bad padding, non-UTF-8 and non-JSON plaintexts alike (no padding oracle)', async () => {
      // Were bad padding told apart from a plaintext that merely is not JSON, a caller could
      // decrypt any captured request and forge new ones block by block (CBC padding oracle).
      const { platform } = apps.create();
      const raw = (plaintext: Buffer, pad: boolean) => {
        const cipher = createCipheriv('aes-256-cbc', Buffer.from(AES_KEY), Buffer.from(AES_TOKEN));
        cipher.setAutoPadding(pad);
        return Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64');
      };
      const ciphertexts = [
        raw(Buffer.alloc(32, 0x41), false), // last byte 0x41: bad padding
        raw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), true), // valid padding, not UTF-8
        raw(Buffer.from('not json'), true), // valid padding, not JSON at offset 0
        raw(Buffer.from('{"order_id":"1",'), true), // not JSON at offset 16
      ];
      const answers = [];
      for (const data of ciphertexts) {
        const res = await platform('PKCS#7').send('pay-params', {
          app_id: APP_ID,
          data,
          sign: '',
          sign_type: 'PKCS#7',
        });
        assertStatus(res, Status.DECRYPTION_FAILED);
        answers.push(res.msg);
      }
      assert.equal(new Set(answers).size, 1, `one message for all: ${answers.join(' | ')}`);
    });

    it('refuses data that decrypts to something that is not JSON', async () => {
      const { platform } = apps.create();
      for (const text of ['not json', '{"order_id":', '']) {
        const res = await platform('PKCS#7').send('pay-params', {
          app_id: APP_ID,
          data: encryptData(text, AES_KEY, AES_TOKEN),
          sign: '',
          sign_type: 'PKCS#7',
        });
        assertStatus(res, Status.DECRYPTION_FAILED);
      }
    });
  });

  describe('40005 invalid data', () => {
    const cases: [string, string, Record<string, unknown>][] = [
      ['pay-params', 'a missing openid', { ...payParamsData, openid: undefined }],
      ['pay-params', 'an order_id of the wrong type', { ...payParamsData, order_id: 42 }],
      ['pay-params', 'an empty order_id', { ...payParamsData, order_id: '' }],
      ['pay-params', 'order_type 4', { ...payParamsData, order_type: 4 }],
      ['pay-params', 'order_type "4"', { ...payParamsData, order_type: '4' }],
      ['pay-params', 'a negative total_price', { ...payParamsData, total_price: -1 }],
      ['pay-params', 'a zero total_price', { ...payParamsData, total_price: 0 }],
      ['pay-params', 'a sub-fen total_price', { ...payParamsData, total_price: 0.001 }],
      ['pay-params', 'a non-numeric total_price', { ...payParamsData, total_price: 'abc' }],
      ['pay-params', 'a boolean total_price', { ...payParamsData, total_price: true }],
      ['pay-params', 'a foreign data.app_id', { ...payParamsData, app_id: 'other-app' }],
      ['refund', 'a missing transaction_id', { ...refundData, transaction_id: undefined }],
      ['refund', 'a refund above the total', { ...refundData, refund_price: '0.30' }],
      ['refund', 'a zero refund', { ...refundData, refund_price: '0.00' }],
      ['refund', 'a negative refund', { ...refundData, refund_price: '-0.10' }],
      ['refund', 'a sub-fen refund', { ...refundData, refund_price: '0.105' }],
      ['refund', 'a non-numeric refund', { ...refundData, refund_price: '1,5' }],
      ['refund-query', 'a missing refund_order_id', { order_id: 'o1' }],
    ];
    for (const [path, what, data] of cases) {
      it(`refuses ${path} with ${what}`, async () => {
        const { platform, calls } = apps.create();
        const clean = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
        const res = await platform().call(path, clean);
        assertStatus(res, Status.INVALID_DATA);
        assertSealedError(res);
        assert.equal(calls.payParams.length + calls.refund.length + calls.refundQuery.length, 0);
      });
    }

    it('refuses data that is a JSON string or list instead of an object', async () => {
      const { platform } = apps.create();
      for (const text of ['"SUCCESS"', '["a","b"]']) {
        const res = await platform().call('pay-params', text);
        assertStatus(res, Status.INVALID_DATA);
      }
    });

    it('names the field in msg', async () => {
      const { platform } = apps.create();
      const res = await platform().refund({ ...refundData, refund_price: '0.30' });
      assert.match(res.msg ?? '', /refund_price/);
    });
  });

  describe('40006 unsupported sign_type', () => {
    it('refuses an unknown sign_type, answering signed in MD5', async () => {
      const { platform, calls } = apps.create();
      const res = await platform().send('pay-params', {
        ...payParamsEnvelope(),
        sign_type: 'SHA256',
      });
      assertStatus(res, Status.UNSUPPORTED_SIGN_TYPE);
      assert.equal(res.envelope.sign_type, 'MD5');
      assertSealedError(res);
      assert.equal(calls.payParams.length, 0);
    });

    it('does not sign text an unauthenticated caller chose (no signing oracle)', async () => {
      // An answer to an unauthenticated call is signed with the app's key. If its msg echoed
      // the caller's sign_type, the caller could pick a sign_type that makes the signed
      // {"msg": …} canonically equal to a request of its own, and replay the signature.
      const { platform, calls } = apps.create();
      const sim = platform();
      const chosen = '&order_id=1&refund_order_id=abc';
      const answer = await sim.send('refund-query', {
        app_id: APP_ID,
        data: '{}',
        sign: md5Hex('x'),
        sign_type: chosen,
      });
      assertStatus(answer, Status.UNSUPPORTED_SIGN_TYPE);
      assert.ok(!(answer.msg ?? '').includes(chosen), 'the chosen text is not echoed');
      // The forgery the echo would allow: same canonical string, the answer's signature.
      const msg = answer.msg ?? '';
      const cut = msg.indexOf('&order_id=');
      if (cut >= 0) {
        const rest = msg.slice(cut + '&refund_order_id='.length + '&order_id=1'.length);
        const forged = JSON.stringify({
          msg: msg.slice(0, cut),
          order_id: '1',
          refund_order_id: rest,
        });
        const replay = await sim.send('refund-query', {
          app_id: APP_ID,
          data: forged,
          sign: answer.envelope.sign,
          sign_type: 'MD5',
        });
        assert.notEqual(replay.status, 0, 'a replayed error signature must not authenticate');
      }
      assert.equal(calls.refundQuery.length, 0);
    });

    it('refuses PKCS#7 for an app that has only an MD5 key', async () => {
      const { platform } = apps.create({ apps: { [APP_ID]: { md5Key: MD5_KEY } } });
      const res = await platform('PKCS#7').payParams(payParamsData);
      assertStatus(res, Status.UNSUPPORTED_SIGN_TYPE);
      assert.match(res.msg ?? '', /MD5/);
      assert.equal(res.envelope.sign_type, 'MD5');
      assertSealedError(res);
    });

    it('refuses MD5 for an app that has only AES keys, answering encrypted', async () => {
      const { platform } = apps.create({
        apps: { [APP_ID]: { aesKey: AES_KEY, aesToken: AES_TOKEN } },
      });
      const res = await platform('MD5').payParams(payParamsData);
      assertStatus(res, Status.UNSUPPORTED_SIGN_TYPE);
      assert.equal(res.envelope.sign_type, 'PKCS#7');
      assertSealedError(res);
    });
  });

  it('never puts a stack trace in any error body', async () => {
    const { app } = apps.create({
      payParams: async () => {
        throw new Error('db down at /srv/app.ts:12');
      },
    });
    const bodies = await Promise.all([
      request(app).post('/zhichi/pay-params').type('form').send(form(payParamsEnvelope())),
      request(app).post('/zhichi/pay-params').type('form').send('a=%E0%A4%A'),
      request(app).post('/zhichi/pay-params').type('form').send('%'),
      request(app).post('/zhichi/refund').set('content-type', 'application/json').send('{'),
      request(app)
        .post('/zhichi/refund')
        .set('content-type', `${FORM}; charset=latin-9000`)
        .send('app_id=x'),
    ]);
    for (const res of bodies) {
      assert.ok([200, 413, 415].includes(res.status), `HTTP ${res.status}: ${res.text}`);
      assert.equal(typeof res.body.status, 'number');
      assert.notEqual(res.body.status, 0);
      assertNoStackTrace(res.text);
      assert.ok(!res.text.includes('db down'));
    }
  });
});
