// Secrets: everything the routers log, through a CapturingLogger and through a real winston
// logger, on the success and error paths, holds no key, token, signature, data or full openid.
import assert from 'node:assert/strict';
import express from 'express';
import {
  type AppCredentials,
  BusinessError,
  createZhichiRouter,
  encryptData,
  type RefundStore,
  sealRequest,
  signData,
  type ZhichiLogger,
} from '../../lib/index';
import { MemoryRefundStore } from '../../lib/stores/memory-refund-store';
import {
  AES_KEY,
  AES_TOKEN,
  APP_ID,
  CapturingLogger,
  MD5_KEY,
  payParamsData,
  refundData,
  refundQueryData,
} from '../helpers/fixtures';
import { echoPayParams } from './apps';
import {
  assertNoSecrets,
  checkEnvelope,
  FORM,
  form,
  type LoopbackServer,
  listen,
  memoryWinston,
  ProcessGuard,
  rawPost,
} from './harness';

/** A second app whose AES key and token PHP pads: warned about at start-up, by length only. */
const ODD_APP = 'odd-lengths-app';
const ODD_AES_KEY = 'short-aes-key-Zq81';
const ODD_AES_TOKEN = 'tok-Xw55';
/** Looked up through a resolver that fails. */
const FAILING_APP = 'resolver-fails-app';
const OPENID = 'oRu8a0Zq_x8SB-sfYUkSSd2m_U';
/** The apps whose answers are sealed (the odd one is only called in MD5 mode). */
const SERVED: ReadonlySet<string> = new Set([APP_ID, ODD_APP]);

/** Fields of a log line that carry the merchant's own text, not ours. */
const MERCHANT_TEXT = new Set(['cause', 'stack']);

/** A store that cannot save outcomes: its failure is logged. */
class FailingStore extends MemoryRefundStore implements RefundStore {
  override async completeRefund(): Promise<boolean> {
    throw new Error('the refund table is read-only');
  }
}

interface Target {
  name: string;
  logger: ZhichiLogger;
  /** Every line, as JSON text. */
  text(): string;
  /** Every line, parsed. */
  lines(): Record<string, unknown>[];
}

function capturingTarget(): Target {
  const logger = new CapturingLogger();
  return {
    name: 'CapturingLogger',
    logger,
    text: () => logger.text(),
    lines: () => logger.lines.map((l) => ({ level: l.level, message: l.message, ...l.meta })),
  };
}

function winstonTarget(): Target {
  const { logger, text } = memoryWinston();
  return {
    name: 'winston',
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

for (const makeTarget of [capturingTarget, winstonTarget]) {
  const target = makeTarget();

  describe(`reliability: no secret in the logs (${target.name})`, () => {
    const guard = new ProcessGuard();
    let server: LoopbackServer;
    /** Strings that must never be logged: request signs and data, response signs and data. */
    const forbidden = new Map<string, string>();

    before(async () => {
      guard.install();
      const apps: Record<string, AppCredentials> = {
        [APP_ID]: { md5Key: MD5_KEY, aesKey: AES_KEY, aesToken: AES_TOKEN },
        [ODD_APP]: { md5Key: MD5_KEY, aesKey: ODD_AES_KEY, aesToken: ODD_AES_TOKEN },
      };
      const router = (refundStore?: RefundStore) =>
        createZhichiRouter({
          apps: (appId) => {
            if (appId === FAILING_APP) throw new Error('the key vault is down');
            return apps[appId];
          },
          logger: target.logger,
          handlerTimeoutMs: 200,
          ...(refundStore ? { refundStore } : {}),
          payParams: async (req, context) => {
            switch (req.order_id) {
              case 'handler-throws':
                // The merchant's own message names the openid: logged as the cause (theirs).
                throw new Error(`the channel refused openid ${req.openid}`);
              case 'business-refusal':
                throw new BusinessError('the order is closed');
              case 'times-out':
                await new Promise((resolve) => setTimeout(resolve, 400));
                return echoPayParams(req);
              case 'bad-result':
                return { timeStamp: '1' } as never;
              default:
                context.logger.debug('handler log line', { order_id: req.order_id });
                return echoPayParams(req);
            }
          },
          refund: async () => ({ refund_id: 'rf-1' }),
          refundQuery: async () => 'SUCCESS' as const,
        });
      const app = express();
      app.use('/zhichi', router());
      app.use('/failing-store', router(new FailingStore()));
      server = await listen(app);
    });
    after(async () => {
      guard.uninstall();
      await server?.close();
    });

    async function send(path: string, fields: Record<string, string>) {
      if (fields.sign && fields.sign.length >= 16) forbidden.set('a request sign', fields.sign);
      if (fields.data && fields.data.length >= 24) forbidden.set('a request data', fields.data);
      const env = checkEnvelope(await rawPost(server, path, form(fields), FORM), SERVED);
      if (env.sign !== '') forbidden.set('a response sign', env.sign);
      if (env.data.length >= 24) forbidden.set('a response data', env.data);
      return env;
    }
    const keys = { md5Key: MD5_KEY, aesKey: AES_KEY, aesToken: AES_TOKEN };
    const sealed = (data: unknown, signType = 'MD5', appId = APP_ID) => ({
      ...sealRequest(appId, data, keys, signType),
    });
    const pay = (order_id: string, openid = OPENID) => ({ ...payParamsData, order_id, openid });

    it('serves and refuses calls along every path', async () => {
      const expectations: [string, Record<string, string>, number][] = [
        ['/zhichi/pay-params', sealed(pay('ok-md5')), 0],
        ['/zhichi/pay-params', sealed(pay('ok-aes'), 'PKCS#7'), 0],
        ['/zhichi/pay-params', sealed(pay('ok-odd', OPENID), 'MD5', ODD_APP), 0],
        ['/zhichi/refund', sealed(refundData), 0],
        ['/zhichi/refund-query', sealed(refundQueryData, 'pkcs7'), 0],
        ['/zhichi/pay-params', sealed(pay('handler-throws')), 50000],
        ['/zhichi/pay-params', sealed(pay('business-refusal'), 'PKCS#7'), 42200],
        ['/zhichi/pay-params', sealed(pay('times-out')), 50000],
        ['/zhichi/pay-params', sealed(pay('bad-result')), 50000],
        ['/failing-store/refund', sealed({ ...refundData, refund_order_id: 'r-store' }), 50000],
        // Wrong md5 key, wrong AES key, not base64, decrypts to text that is not JSON.
        [
          '/zhichi/pay-params',
          { ...sealed(pay('x')), sign: signData(JSON.stringify(pay('x')), 'wrong-md5-key') },
          40003,
        ],
        [
          '/zhichi/pay-params',
          {
            app_id: APP_ID,
            data: encryptData(
              JSON.stringify(pay('x')),
              'another-aes-key-0123456789abcdef',
              AES_TOKEN,
            ),
            sign: '',
            sign_type: 'PKCS#7',
          },
          40004,
        ],
        [
          '/zhichi/pay-params',
          { app_id: APP_ID, data: `${OPENID}!!`, sign: '', sign_type: 'PKCS#7' },
          40004,
        ],
        [
          '/zhichi/pay-params',
          {
            app_id: APP_ID,
            data: encryptData(`openid ${OPENID}`, AES_KEY, AES_TOKEN),
            sign: '',
            sign_type: 'PKCS#7',
          },
          40004,
        ],
        // data that is not JSON, or fails validation, while holding the openid.
        [
          '/zhichi/pay-params',
          { app_id: APP_ID, data: `{"openid":"${OPENID}"`, sign: 'f'.repeat(32), sign_type: 'MD5' },
          40001,
        ],
        ['/zhichi/pay-params', sealed({ ...pay('y'), total_price: 'lots' }), 40005],
        ['/zhichi/pay-params', sealed({ ...pay('y'), total_price: 0.001 }, 'PKCS#7'), 40005],
        ['/zhichi/pay-params', { ...sealed(pay('z')), sign_type: 'RSA' }, 40006],
        ['/zhichi/pay-params', sealed(pay('z'), 'MD5', 'nobody'), 40002],
        ['/zhichi/pay-params', sealed(pay('z'), 'MD5', FAILING_APP), 50000],
        ['/zhichi/pay-params', { app_id: APP_ID, data: JSON.stringify(pay('z')) }, 40001],
      ];
      for (const [path, fields, status] of expectations) {
        const env = await send(path, fields);
        assert.equal(env.status, status, `${path} ${fields.data?.slice(0, 60)}: ${env.msg}`);
      }
      // Let the timed-out handler finish, so its late settling is covered too.
      await new Promise((resolve) => setTimeout(resolve, 300));
      guard.assertQuiet();
    });

    it('masks short openids too: the logged openid never holds the whole of it', async () => {
      const alphabet = 'QZ7XW3KP9V';
      for (let length = 1; length <= alphabet.length; length++) {
        const openid = alphabet.slice(0, length);
        const env = await send('/zhichi/pay-params', sealed(pay(`short-${length}`, openid)));
        assert.equal(env.status, 0);
        const line = target
          .lines()
          .find((l) => l.order_id === `short-${length}` && l.message === 'zhichi pay-params ok');
        assert.equal(typeof line?.openid, 'string', `no openid logged for length ${length}`);
        assert.equal(
          String(line?.openid).includes(openid),
          false,
          `an openid of ${length} characters was logged whole: ${line?.openid}`,
        );
      }
    });

    it('logged something for every call, the start-up warnings included', () => {
      const lines = target.lines();
      assert.ok(lines.length >= 20, `only ${lines.length} lines`);
      assert.ok(lines.some((l) => String(l.message).includes('AES key is 18 bytes')));
      assert.ok(lines.some((l) => l.message === 'zhichi refund record could not be saved'));
    });

    it('never logged a key or a token, not even in a cause', () => {
      assertNoSecrets(target.text(), {
        'odd AES key': ODD_AES_KEY,
        'odd AES token': ODD_AES_TOKEN,
      });
    });

    it('never logged a signature or a data field', () => {
      const text = target.text();
      for (const [what, value] of forbidden) {
        assert.equal(
          text.includes(value),
          false,
          `the log contains ${what}: ${value.slice(0, 40)}`,
        );
      }
    });

    it('never logged a full openid in its own fields (a handler error of the merchant may)', () => {
      let masked = 0;
      for (const line of target.lines()) {
        for (const [field, value] of Object.entries(line)) {
          if (MERCHANT_TEXT.has(field)) continue;
          const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
          assert.equal(
            text.includes(OPENID),
            false,
            `${field} of "${line.message}" holds the openid`,
          );
        }
        if (line.openid === 'oRu8…m_U') masked++;
      }
      assert.ok(masked >= 3, 'no masked openid was logged');
      // The merchant's own error text is logged as the cause, as the README says: theirs.
      assert.ok(
        target.lines().some((l) => String(l.cause).includes(`refused openid ${OPENID}`)),
        'the handler error was not logged with its cause',
      );
    });
  });
}
