// Regression tests for the bugs the reliability suite found, one `describe` each.
import assert from 'node:assert/strict';
import { APP_ID, CapturingLogger } from '../helpers/fixtures';
import { AES_ONLY_APP, createTargetApp, KNOWN_APPS } from './apps';
import { checkEnvelope, FORM, form, type LoopbackServer, listen, rawPost } from './harness';

describe('reliability regressions', () => {
  const logger = new CapturingLogger();
  let server: LoopbackServer;
  before(async () => {
    server = await listen(createTargetApp(logger).app);
  });
  after(() => server?.close());

  describe('a malformed envelope that names a known app', () => {
    // Found by the fuzz: the answer had empty data and sign, as for an unknown app, though
    // PROTOCOL.md wants every error for a known app sealed ({"msg": …} signed or encrypted).
    const cases: [string, Record<string, string> | [string, string][], string][] = [
      ['data is empty', { app_id: APP_ID, data: '', sign: 'x', sign_type: 'MD5' }, 'MD5'],
      ['data is missing', { app_id: APP_ID, sign: 'x', sign_type: 'md5' }, 'md5'],
      ['sign_type is missing', { app_id: APP_ID, data: '{}', sign: 'x' }, 'MD5'],
      [
        'data is repeated',
        [
          ['app_id', APP_ID],
          ['data', '{}'],
          ['data', '{}'],
          ['sign_type', 'pkcs7'],
        ],
        'pkcs7',
      ],
      ['the app has AES only', { app_id: AES_ONLY_APP, data: '' }, 'PKCS#7'],
    ];
    for (const [name, fields, signType] of cases) {
      it(`is answered 40001 sealed for the app when ${name}`, async () => {
        const res = await rawPost(server, '/zhichi/refund', form(fields), FORM);
        const env = checkEnvelope(res, KNOWN_APPS);
        assert.equal(env.status, 40001);
        assert.notEqual(env.data, '');
        assert.equal(env.sign_type, signType);
        assert.equal((JSON.parse(env.dataText as string) as { msg: string }).msg, env.msg);
      });
    }

    it('is still answered unsealed when the app is unknown or app_id is not one string', async () => {
      for (const fields of [
        { app_id: 'nobody', data: '' },
        [
          ['app_id', APP_ID],
          ['app_id', APP_ID],
        ] as [string, string][],
      ]) {
        const env = checkEnvelope(
          await rawPost(server, '/zhichi/refund', form(fields), FORM),
          KNOWN_APPS,
        );
        assert.equal(env.status, 40001);
        assert.equal(env.data, '');
        assert.equal(env.sign, '');
      }
    });
  });
});
