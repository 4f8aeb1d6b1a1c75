import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO } from '../../example-app/config';
import type { CliIo } from '../../lib/cli/io';
import { runCli } from '../../lib/cli/main';
import { encryptData, sealRequest, signData } from '../../lib/index';
import { startExample } from '../helpers/example';

const root = path.resolve(__dirname, '..', '..');

/** Runs the CLI in-process; `stop` ends a long-running command. */
function harness(env: NodeJS.ProcessEnv = {}, stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const io: CliIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env,
    readStdin: async () => stdin,
    fetch: globalThis.fetch,
    stopped,
  };
  return { io, out, err, stop, text: () => out.join('\n'), errors: () => err.join('\n') };
}

describe('CLI', () => {
  describe('sign', () => {
    it('prints the canonical string PHP signs and the signature', async () => {
      const h = harness();
      const code = await runCli(
        ['sign', '--data', '{"b":1.0,"a":"x","c":[1],"d":null}', '--key', 'k'],
        h.io,
      );
      assert.equal(code, 0);
      assert.match(h.text(), /^canonical: a=x&b=1&c=Array&d=$/m);
      const expected = createHash('md5').update('a=x&b=1&c=Array&d=k').digest('hex');
      assert.match(h.text(), new RegExp(`^sign: +${expected}$`, 'm'));
    });

    it('takes the key from ZHICHI_MD5_KEY and the data from stdin, and never prints the key', async () => {
      const h = harness({ ZHICHI_MD5_KEY: 'env-secret-key' }, '{"a":"1"}\n');
      assert.equal(await runCli(['sign', '--data', '-', '--json'], h.io), 0);
      const printed = JSON.parse(h.text());
      assert.deepEqual(printed, {
        canonical: 'a=1',
        sign: signData('{"a":"1"}', 'env-secret-key'),
      });
      assert.equal(h.text().includes('env-secret-key'), false);
    });

    it('reads --data-file', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'zhichi-cli-'));
      try {
        const file = path.join(dir, 'data.json');
        writeFileSync(file, '"SUCCESS"\n');
        const h = harness();
        assert.equal(await runCli(['sign', '--data-file', file, '--key', 'k'], h.io), 0);
        assert.match(h.text(), /^canonical: SUCCESS$/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('exits 2 with a hint when the key is missing or an option is unknown', async () => {
      let h = harness();
      assert.equal(await runCli(['sign', '--data', '{}'], h.io), 2);
      assert.match(h.errors(), /give --key or set ZHICHI_MD5_KEY/);
      h = harness();
      assert.equal(await runCli(['sign', '--bogus'], h.io), 2);
      assert.match(h.errors(), /--help/);
    });

    it('exits 1 on data PHP could not decode', async () => {
      const h = harness();
      assert.equal(await runCli(['sign', '--data', '{"a":1,}', '--key', 'k'], h.io), 1);
      assert.match(h.errors(), /not JSON/);
    });
  });

  describe('verify', () => {
    const data = '{"order_id":"o1","total_price":0.30000000000000004}';

    it('exits 0 for a valid signature, upper case included', async () => {
      const h = harness();
      const sign = signData(data, 'k').toUpperCase();
      assert.equal(await runCli(['verify', '--data', data, '--sign', sign, '--key', 'k'], h.io), 0);
      assert.match(h.text(), /canonical: order_id=o1&total_price=0\.3/);
      assert.match(h.text(), /signature: valid/);
    });

    it('exits 1 on a mismatch and shows the expected signature', async () => {
      const h = harness();
      const code = await runCli(
        ['verify', '--data', data, '--sign', '0'.repeat(32), '--key', 'k'],
        h.io,
      );
      assert.equal(code, 1);
      assert.match(h.text(), /signature: INVALID/);
      assert.match(h.text(), new RegExp(`expected: +${signData(data, 'k')}`));
    });
  });

  describe('encrypt and decrypt', () => {
    const key = '0123456789abcdef0123456789abcdef';
    const token = 'abcdef0123456789';

    it('encrypts like encryptData and decrypts back', async () => {
      const h = harness({ ZHICHI_AES_KEY: key, ZHICHI_AES_TOKEN: token });
      assert.equal(await runCli(['encrypt', '--data', '{"a":"中"}'], h.io), 0);
      assert.equal(h.text(), encryptData('{"a":"中"}', key, token));
      const d = harness({ ZHICHI_AES_KEY: key, ZHICHI_AES_TOKEN: token });
      assert.equal(await runCli(['decrypt', '--data', h.text()], d.io), 0);
      assert.equal(d.text(), '{"a":"中"}');
    });

    it('warns when the key will be padded, and fails clearly on a bad ciphertext', async () => {
      const h = harness();
      assert.equal(
        await runCli(['encrypt', '--data', '{}', '--aes-key', 'short', '--aes-token', token], h.io),
        0,
      );
      assert.match(h.errors(), /warning: the AES key is 5 bytes/);
      assert.equal(h.errors().includes('short'), false);
      const d = harness();
      assert.equal(
        await runCli(
          ['decrypt', '--data', 'not base64!', '--aes-key', key, '--aes-token', token],
          d.io,
        ),
        1,
      );
      assert.match(d.errors(), /not base64/);
    });
  });

  describe('simulate and listen, against the example app', () => {
    let server: Server;
    let base: string;
    const example = startExample();
    before(async () => {
      const { app } = example;
      server = await new Promise<Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/zhichi`;
    });
    after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await example.close();
    });

    const env = {
      ZHICHI_APP_ID: DEMO.appId,
      ZHICHI_MD5_KEY: DEMO.md5Key,
      ZHICHI_AES_KEY: DEMO.aesKey,
      ZHICHI_AES_TOKEN: DEMO.aesToken,
    };

    for (const call of ['pay-params', 'refund']) {
      for (const signType of ['MD5', 'PKCS#7']) {
        it(`simulate ${call} in ${signType} mode reports status 0 and a valid signature`, async () => {
          const h = harness(env);
          const code = await runCli(
            ['simulate', call, '--url', base, '--sign-type', signType],
            h.io,
          );
          assert.equal(code, 0, h.text() + h.errors());
          assert.match(h.text(), /status: +0/);
          assert.match(h.text(), /signature: +valid/);
          for (const secret of [DEMO.md5Key, DEMO.aesKey, DEMO.aesToken]) {
            assert.equal(h.text().includes(secret), false);
          }
        });
      }
    }

    it('simulate exits 1 and shows the status when the merchant refuses', async () => {
      const h = harness(env);
      const code = await runCli(['simulate', 'refund-query', '--url', base], h.io);
      assert.equal(code, 1);
      assert.match(h.text(), /status: +42200/);
    });

    it('simulate with a wrong key shows the 40003 refusal', async () => {
      const h = harness({ ...env, ZHICHI_MD5_KEY: 'wrong' });
      assert.equal(await runCli(['simulate', 'pay-params', '--url', base], h.io), 1);
      assert.match(h.text(), /status: +40003/);
    });

    it('simulate reports an unreachable URL and a bad call name', async () => {
      let h = harness(env);
      assert.equal(
        await runCli(['simulate', 'pay-params', '--url', 'http://127.0.0.1:1/x'], h.io),
        1,
      );
      assert.match(h.errors(), /request failed/);
      h = harness(env);
      assert.equal(await runCli(['simulate', 'pay', '--url', base], h.io), 2);
    });

    it('listen prints notices with their verdict and answers SUCCESS only to valid ones', async () => {
      const h = harness(env);
      const running = runCli(['listen', '--port', '0'], h.io);
      const url = await new Promise<string>((resolve) => {
        const poll = setInterval(() => {
          const m = /listening for payment-success notices on (\S+)/.exec(h.text());
          if (m?.[1]) {
            clearInterval(poll);
            resolve(m[1]);
          }
        }, 5);
      });
      const notice = { order_id: 'o1', transaction_id: 't1', order_type: 1, app_id: DEMO.appId };
      const post = async (fields: Record<string, string>) =>
        (await fetch(url, { method: 'POST', body: new URLSearchParams(fields) })).text();
      assert.equal(
        await post({ ...sealRequest(DEMO.appId, notice, { md5Key: DEMO.md5Key }) }),
        'SUCCESS',
      );
      assert.equal(
        await post({
          ...sealRequest(
            DEMO.appId,
            notice,
            { aesKey: DEMO.aesKey, aesToken: DEMO.aesToken },
            'PKCS#7',
          ),
        }),
        'SUCCESS',
      );
      const forged = { ...sealRequest(DEMO.appId, notice, { md5Key: 'other' }) };
      assert.match(await post(forged), /^FAIL: sign does not match/);
      h.stop();
      assert.equal(await running, 0);
      assert.match(h.text(), /signature valid/);
      assert.match(h.text(), /decrypted/);
      assert.match(h.text(), /REJECTED/);
      assert.match(h.text(), /"transaction_id":"t1"/);
    });
  });

  it('the built bin prints help and exits 0 for --help, 2 for no command', () => {
    const bin = path.join(root, 'dist', 'cli', 'bin.js');
    assert.match(
      execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' }),
      /Commands:/,
    );
    for (const command of ['sign', 'verify', 'encrypt', 'decrypt', 'simulate', 'listen']) {
      assert.match(
        execFileSync(process.execPath, [bin, command, '--help'], { encoding: 'utf8' }),
        /^Usage: /,
      );
    }
    assert.throws(
      () => execFileSync(process.execPath, [bin], { stdio: 'pipe' }),
      (e: { status: number }) => e.status === 2,
    );
  });
});
