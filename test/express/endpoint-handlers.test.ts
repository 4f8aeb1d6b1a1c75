import assert from 'node:assert/strict';
import express from 'express';
import {
  ConfigurationError,
  createPayParamsHandler,
  createRefundHandler,
  createRefundQueryHandler,
  type RefundRequest,
  Status,
} from '../../lib/index';
import { PlatformSimulator } from '../../lib/testing/platform-simulator';
import {
  AES_KEY,
  AES_TOKEN,
  APP_ID,
  CapturingLogger,
  credentials,
  MD5_KEY,
  payParamsData,
  refundData,
  refundQueryData,
} from '../helpers/fixtures';
import { assertNoSecretsLogged, openResponse, samplePayParams } from '../helpers/harness';

describe('createPayParamsHandler, createRefundHandler, createRefundQueryHandler on custom paths', () => {
  let sim: PlatformSimulator | undefined;
  let logger: CapturingLogger;
  const refunds: RefundRequest[] = [];

  beforeEach(() => {
    refunds.length = 0;
    logger = new CapturingLogger();
    const app = express();
    const common = { apps: { [APP_ID]: credentials }, logger };
    app.post('/pay/params', createPayParamsHandler({ ...common, handler: () => samplePayParams }));
    app.post(
      '/pay/refunds/new',
      createRefundHandler({
        ...common,
        handler: async (request) => {
          refunds.push(request);
          return { refund_id: `R-${refunds.length}` };
        },
      }),
    );
    app.post('/pay/refunds/query', createRefundQueryHandler({ ...common, handler: () => 'FAIL' }));
    sim = new PlatformSimulator({
      appId: APP_ID,
      md5Key: MD5_KEY,
      aesKey: AES_KEY,
      aesToken: AES_TOKEN,
      target: { app, basePath: '/pay' },
    });
  });

  afterEach(async () => {
    await sim?.close();
    assertNoSecretsLogged(logger);
  });

  for (const signType of ['MD5', 'PKCS#7']) {
    it(`answers each call on its own path (${signType})`, async () => {
      const s = sim as PlatformSimulator;
      const pay = await s.call('params', payParamsData, signType);
      assert.equal(pay.status, 0, pay.body);
      assert.deepEqual(openResponse(pay.envelope), samplePayParams);
      const refund = await s.call('refunds/new', refundData, signType);
      assert.equal(refund.status, 0, refund.body);
      assert.deepEqual(openResponse(refund.envelope), { refund_id: 'R-1' });
      const query = await s.call('refunds/query', refundQueryData, signType);
      assert.equal(query.status, 0, query.body);
      assert.equal(openResponse(query.envelope), 'FAIL');
    });
  }

  it('keeps a standalone refund handler idempotent', async () => {
    const s = sim as PlatformSimulator;
    const answers = await Promise.all([
      s.call('refunds/new', refundData),
      s.call('refunds/new', refundData),
      s.call('refunds/new', refundData),
    ]);
    const again = await s.call('refunds/new', refundData);
    assert.equal(refunds.length, 1);
    for (const res of [...answers, again]) {
      assert.deepEqual(openResponse(res.envelope), { refund_id: 'R-1' });
    }
  });

  it('answers errors on custom paths as the router does', async () => {
    const s = sim as PlatformSimulator;
    const res = await s.call('params', { ...payParamsData, total_price: 0 });
    assert.equal(res.status, Status.INVALID_DATA);
    assert.ok(res.signatureValid);
  });

  it('checks the options at creation, naming the handler option', () => {
    for (const create of [createPayParamsHandler, createRefundHandler, createRefundQueryHandler]) {
      assert.throws(
        () => create({ apps: { [APP_ID]: credentials } } as never),
        (error: unknown) => error instanceof ConfigurationError && /^handler /.test(error.message),
      );
      assert.throws(
        () => create({ apps: {}, handler: () => 'x' } as never),
        (error: unknown) => error instanceof ConfigurationError && /apps/.test(error.message),
      );
    }
  });
});
