import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { DEMO, describeConfig, loadConfig } from '../../example-app/config';
import { SandboxChannel } from '../../example-app/sandbox-channel';
import { signData } from '../../lib/index';
import { type MockPlatform, startMockPlatform } from '../../lib/testing/index';
import { PlatformSimulator } from '../../lib/testing/platform-simulator';
import { startExample } from '../helpers/example';
import { payParamsData, refundData, refundQueryData } from '../helpers/fixtures';

const root = path.resolve(__dirname, '..', '..');

describe('example app', () => {
  const channel = new SandboxChannel();
  const example = startExample({}, { channel });
  const { app, logger } = example;
  after(() => example.close());

  for (const signType of ['MD5', 'PKCS#7']) {
    describe(`as the platform calls it in ${signType} mode`, () => {
      const platform = new PlatformSimulator({
        appId: DEMO.appId,
        md5Key: DEMO.md5Key,
        aesKey: DEMO.aesKey,
        aesToken: DEMO.aesToken,
        signType,
        target: { app, basePath: '/zhichi' },
      });
      after(() => platform.close());

      it('answers pay params with a paySign that verifies as WeChat API v3 RSA', async () => {
        const res = await platform.payParams(payParamsData);
        assert.equal(res.status, 0);
        assert.equal(res.signatureValid, true);
        const params = res.data as Record<string, string>;
        assert.match(params.package as string, /^prepay_id=wx/);
        assert.equal(params.signType, 'RSA');
        const message = `${channel.wechatAppId}\n${params.timeStamp}\n${params.nonceStr}\n${params.package}\n`;
        assert.ok(
          createVerify('RSA-SHA256')
            .update(message)
            .verify(channel.publicKey, params.paySign as string, 'base64'),
        );
        if (signType === 'MD5') {
          assert.equal(res.envelope?.sign, signData(res.envelope?.data ?? '', DEMO.md5Key));
        }
      });

      it('refunds, then reports the refund as SUCCESS', async () => {
        const refund = { ...refundData, refund_order_id: `r-${signType}` };
        const res = await platform.refund(refund);
        assert.equal(res.status, 0);
        assert.match(String((res.data as Record<string, unknown>).refund_id), /^sandbox_refund_/);
        const query = await platform.refundQuery({
          ...refundQueryData,
          refund_order_id: `r-${signType}`,
        });
        assert.equal(query.status, 0);
        assert.equal(query.data, 'SUCCESS');
        assert.equal(query.signatureValid, true);
      });

      it('answers a query for a refund it never saw with a non-zero status', async () => {
        const res = await platform.refundQuery({
          ...refundQueryData,
          refund_order_id: 'never-seen',
        });
        assert.equal(res.status, 42200);
        assert.equal(res.signatureValid, true);
      });
    });
  }

  describe('after those calls', () => {
    it('never logged the keys or the full openid', () => {
      const text = logger.text();
      assert.ok(logger.lines.length > 0);
      for (const secret of [DEMO.md5Key, DEMO.aesKey, DEMO.aesToken, payParamsData.openid]) {
        assert.equal(text.includes(secret), false, `log contains ${secret.slice(0, 4)}…`);
      }
    });
  });

  it('reads its settings from the environment and prints where they came from, not their values', () => {
    const custom = loadConfig({ PORT: '4000', ZHICHI_APP_ID: 'abc', ZHICHI_MD5_KEY: 'sekrit-md5' });
    assert.equal(custom.port, 4000);
    assert.equal(custom.appId, 'abc');
    assert.equal(custom.md5Key, 'sekrit-md5');
    assert.equal(custom.aesKey, DEMO.aesKey);
    const printed = describeConfig(custom).join('\n');
    assert.match(printed, /MD5 key: set from ZHICHI_MD5_KEY/);
    assert.match(printed, /AES key: demo default/);
    assert.equal(printed.includes('sekrit-md5'), false);
    assert.throws(() => loadConfig({ PORT: 'abc' }), /PORT/);
  });

  it('starts with `npm start` and answers the platform on the printed port', async function () {
    this.timeout(30_000);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'zhichi-start-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'example-app/server.ts'], {
      cwd: root,
      env: { ...process.env, PORT: '0', ZHICHI_LOG_LEVEL: 'error', EXAMPLE_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /listening on (http:\/\/localhost:\d+)/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
      });
      assert.doesNotMatch(url, /:0$/);
      const platform = new PlatformSimulator({
        appId: DEMO.appId,
        md5Key: DEMO.md5Key,
        target: { url: `${url}/zhichi` },
      });
      const res = await platform.payParams(payParamsData);
      assert.equal(res.status, 0);
      assert.equal(res.signatureValid, true);
      child.kill('SIGTERM');
      // A clean stop: the server and the notifier close, and the process exits 0.
      assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('example app sandbox payments', () => {
  let platform: MockPlatform;
  let example: ReturnType<typeof startExample>;

  beforeEach(async () => {
    platform = await startMockPlatform({ apps: { [DEMO.appId]: { md5Key: DEMO.md5Key } } });
    example = startExample({ ZHICHI_NOTIFY_URL: platform.url });
  });
  afterEach(async () => {
    await example.close();
    await platform.close();
  });

  it('queues a payment-success notice that the platform receives correctly signed', async () => {
    const paid = await request(example.app)
      .post('/sandbox/orders/ord-42/pay')
      .send({ order_type: 2, transaction_id: '4200000042' })
      .expect(202);
    assert.equal(paid.body.transaction_id, '4200000042');
    assert.equal(typeof paid.body.notice_id, 'string');

    const [notice] = await platform.waitForRequests(1);
    assert.equal(notice?.valid, true, notice?.problem);
    assert.deepEqual(notice?.data, {
      order_id: 'ord-42',
      transaction_id: '4200000042',
      order_type: 2,
      app_id: DEMO.appId,
    });
    assert.equal(notice?.envelope.sign, signData(notice?.envelope.data ?? '', DEMO.md5Key));

    await example.notifier.waitForDelivery(paid.body.notice_id);
    const shown = await request(example.app)
      .get(`/sandbox/notices/${paid.body.notice_id}`)
      .expect(200);
    assert.equal(shown.body.state, 'delivered');
    assert.equal(shown.body.history.length, 1);
    assert.equal(shown.body.history[0].outcome, 'delivered');
    assert.equal(shown.body.body, undefined, 'the signed body is not shown');
  });

  it('makes up a transaction_id when none is given, and accepts a form body', async () => {
    const paid = await request(example.app)
      .post('/sandbox/orders/ord-43/pay')
      .type('form')
      .send({ order_type: '1' })
      .expect(202);
    assert.match(paid.body.transaction_id, /^4200\d+/);
    const [notice] = await platform.waitForRequests(1);
    assert.equal(notice?.data?.transaction_id, paid.body.transaction_id);
  });

  it('refuses a bad order_type with 400 and queues nothing; unknown notices are 404', async () => {
    const res = await request(example.app)
      .post('/sandbox/orders/ord-44/pay')
      .send({ order_type: 9 })
      .expect(400);
    assert.match(res.body.error, /order_type/);
    assert.deepEqual(await example.notifier.listNotices(), []);
    await request(example.app).get('/sandbox/notices/nope').expect(404);
  });
});
