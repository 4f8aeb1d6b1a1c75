import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ConfigurationError, encryptData, signData } from '../../lib/index';
import { PlatformSimulator } from '../../lib/testing/platform-simulator';
import { AES_KEY, AES_TOKEN, APP_ID, MD5_KEY, refundQueryData } from '../helpers/fixtures';
import { useTestApps } from '../helpers/harness';

describe('PlatformSimulator', () => {
  const apps = useTestApps();

  it('reaches a router through a { url } target too', async () => {
    const { app } = apps.create();
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const sim = new PlatformSimulator({
        appId: APP_ID,
        md5Key: MD5_KEY,
        target: { url: `http://127.0.0.1:${port}/zhichi/` },
      });
      const res = await sim.refundQuery(refundQueryData);
      assert.equal(res.status, 0);
      assert.equal(res.data, 'SUCCESS');
      await sim.close();
    } finally {
      server.close();
    }
  });

  /** A fake merchant answering a fixed body, to see how the simulator judges it. */
  function fakeMerchant(body: unknown) {
    const app = express();
    app.post('/refund-query', (_req, res) => {
      res.type('json').send(typeof body === 'string' ? body : JSON.stringify(body));
    });
    return app;
  }

  it('flags a response whose signature does not match its data', async () => {
    const data = '"SUCCESS"';
    const sim = apps.track(
      new PlatformSimulator({
        appId: APP_ID,
        md5Key: MD5_KEY,
        target: {
          app: fakeMerchant({
            app_id: APP_ID,
            status: 0,
            data,
            sign: signData('"FAIL"', MD5_KEY),
            sign_type: 'MD5',
          }),
        },
      }),
    );
    const res = await sim.refundQuery(refundQueryData);
    assert.equal(res.status, 0);
    assert.equal(res.signatureValid, false);
    assert.equal(res.data, 'SUCCESS');
  });

  it('accepts a correctly signed or encrypted response', async () => {
    for (const [signType, data, sign] of [
      ['MD5', '"SUCCESS"', signData('"SUCCESS"', MD5_KEY)],
      ['PKCS#7', encryptData('"SUCCESS"', AES_KEY, AES_TOKEN), ''],
    ]) {
      const sim = apps.track(
        new PlatformSimulator({
          appId: APP_ID,
          md5Key: MD5_KEY,
          aesKey: AES_KEY,
          aesToken: AES_TOKEN,
          signType,
          target: {
            app: fakeMerchant({ app_id: APP_ID, status: 0, data, sign, sign_type: signType }),
          },
        }),
      );
      const res = await sim.refundQuery(refundQueryData);
      assert.equal(res.signatureValid, true, signType);
      assert.equal(res.dataText, '"SUCCESS"');
    }
  });

  it('reports a body that is not JSON without throwing', async () => {
    const sim = apps.track(
      new PlatformSimulator({
        appId: APP_ID,
        md5Key: MD5_KEY,
        target: { app: fakeMerchant('<html>oops</html>') },
      }),
    );
    const res = await sim.refundQuery(refundQueryData);
    assert.equal(res.envelope, undefined);
    assert.ok(Number.isNaN(res.status));
    assert.equal(res.signatureValid, false);
    assert.equal(res.body, '<html>oops</html>');
  });

  it('refuses to start without appId or target', () => {
    assert.throws(() => new PlatformSimulator({} as never), ConfigurationError);
    assert.throws(() => new PlatformSimulator({ appId: APP_ID } as never), ConfigurationError);
  });

  it('can be closed twice, and before it started', async () => {
    const sim = new PlatformSimulator({
      appId: APP_ID,
      md5Key: MD5_KEY,
      target: { app: fakeMerchant('') },
    });
    await sim.close();
    await sim.refundQuery(refundQueryData);
    await sim.close();
    await sim.close();
  });
});
