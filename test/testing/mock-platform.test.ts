import assert from 'node:assert/strict';
import { encryptData } from '../../lib/protocol/aes';
import { signData } from '../../lib/protocol/sign';
import { type MockPlatform, startMockPlatform } from '../../lib/testing/mock-platform';

const apps = {
  md5app: { md5Key: 'k'.repeat(32) },
  aesapp: { aesKey: 'a'.repeat(32), aesToken: 't'.repeat(16) },
};

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function post(url: string, body: string, contentType = 'application/x-www-form-urlencoded') {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
}

const data = JSON.stringify({
  order_id: 'o1',
  transaction_id: 't1',
  order_type: 1,
  app_id: 'md5app',
});
const signed = form({
  app_id: 'md5app',
  data,
  sign: signData(data, apps.md5app.md5Key),
  sign_type: 'MD5',
});

describe('mock platform', () => {
  let platform: MockPlatform;
  beforeEach(async () => {
    platform = await startMockPlatform({ apps });
  });
  afterEach(async () => {
    await platform.close();
  });

  it('listens on loopback at the platform path and answers SUCCESS to a well-signed notice', async () => {
    assert.match(
      platform.url,
      /^http:\/\/127\.0\.0\.1:\d+\/index\.php\/pay\/Notify\/ThirdApiPaymentCallback$/,
    );
    const res = await post(platform.url, signed);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'SUCCESS');
    const [notice] = platform.notices;
    assert.equal(notice?.valid, true);
    assert.equal(notice?.mode, 'MD5');
    assert.deepEqual(notice?.data, JSON.parse(data));
    assert.equal(platform.noticesFor('o1').length, 1);
  });

  it('refuses a bad signature, an unknown app, a bad sign_type and a non-form body', async () => {
    const tampered = form({ app_id: 'md5app', data, sign: '0'.repeat(32), sign_type: 'MD5' });
    assert.equal(await (await post(platform.url, tampered)).text(), 'signature mismatch');
    const unknown = form({ app_id: 'nobody', data, sign: 'x', sign_type: 'MD5' });
    assert.match(await (await post(platform.url, unknown)).text(), /unknown app_id/);
    const badType = form({ app_id: 'md5app', data, sign: 'x', sign_type: 'RSA' });
    assert.match(await (await post(platform.url, badType)).text(), /unsupported sign_type/);
    assert.match(
      await (await post(platform.url, signed, 'application/json')).text(),
      /content type/,
    );
    assert.equal(platform.notices.filter((n) => n.valid).length, 0);
    assert.equal((await post(`${platform.url}x`, signed)).status, 404);
  });

  it('decrypts a PKCS#7 notice', async () => {
    const text = JSON.stringify({
      order_id: 'o2',
      transaction_id: 't2',
      order_type: 2,
      app_id: 'aesapp',
    });
    const body = form({
      app_id: 'aesapp',
      data: encryptData(text, apps.aesapp.aesKey, apps.aesapp.aesToken),
      sign: '',
      sign_type: 'pkcs7',
    });
    assert.equal(await (await post(platform.url, body)).text(), 'SUCCESS');
    assert.equal(platform.notices[0]?.mode, 'PKCS#7');
    assert.equal(platform.notices[0]?.dataText, text);
    const wrongKey = form({
      app_id: 'aesapp',
      data: encryptData(text, 'b'.repeat(32), 'x'),
      sign: '',
      sign_type: 'PKCS#7',
    });
    assert.match(await (await post(platform.url, wrongKey)).text(), /cannot decrypt/);
  });

  it('answers as scripted, then by the default reply', async () => {
    platform.script(
      { kind: 'error', message: '订单不存在' },
      { kind: 'status', status: 500, body: 'oops' },
      { kind: 'status', status: 429, retryAfter: 7 },
      { kind: 'status', status: 503, retryAfter: 'Wed, 25 Nov 2026 12:00:00 GMT' },
      { kind: 'drop' },
    );
    assert.equal(await (await post(platform.url, signed)).text(), '订单不存在');
    const r500 = await post(platform.url, signed);
    assert.deepEqual([r500.status, await r500.text()], [500, 'oops']);
    const r429 = await post(platform.url, signed);
    assert.deepEqual([r429.status, r429.headers.get('retry-after')], [429, '7']);
    await r429.text();
    const r503 = await post(platform.url, signed);
    assert.equal(r503.headers.get('retry-after'), 'Wed, 25 Nov 2026 12:00:00 GMT');
    await r503.text();
    await assert.rejects(post(platform.url, signed), TypeError);
    assert.equal(await (await post(platform.url, signed)).text(), 'SUCCESS');
    platform.setDefaultReply({ kind: 'error', message: 'FAIL' });
    assert.equal(await (await post(platform.url, signed)).text(), 'FAIL');
    assert.deepEqual(
      platform.notices.map((n) => n.reply.kind),
      ['error', 'status', 'status', 'status', 'drop', 'success', 'error'],
    );
  });

  it('hangs until closed, then ends the connection', async () => {
    platform.script({ kind: 'hang' });
    const pending = post(platform.url, signed);
    await platform.waitForRequests(1);
    await platform.close();
    await assert.rejects(pending);
  });
});
