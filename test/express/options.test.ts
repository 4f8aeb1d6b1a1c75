import assert from 'node:assert/strict';
import { resolveCommonOptions } from '../../lib/express/options';
import {
  type AppCredentials,
  ConfigurationError,
  createZhichiRouter,
  MemoryRefundStore,
  Status,
  type ZhichiRouterOptions,
} from '../../lib/index';
import {
  AES_KEY,
  AES_TOKEN,
  APP_ID,
  CapturingLogger,
  credentials,
  MD5_KEY,
  payParamsData,
} from '../helpers/fixtures';
import { assertStatus, SECRETS, samplePayParams, useTestApps } from '../helpers/harness';

function baseOptions(): ZhichiRouterOptions {
  return {
    apps: { [APP_ID]: credentials },
    logger: new CapturingLogger(),
    payParams: () => samplePayParams,
    refund: () => undefined,
    refundQuery: () => 'SUCCESS',
  };
}

/** Asserts a ConfigurationError whose message names `option` and holds no secret. */
function assertConfigError(create: () => unknown, option: string | RegExp): void {
  assert.throws(create, (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, `a ConfigurationError, got ${String(error)}`);
    assert.equal(error.code, 'CONFIGURATION');
    if (typeof option === 'string') assert.ok(error.message.includes(option), error.message);
    else assert.match(error.message, option);
    for (const secret of SECRETS) assert.ok(!error.message.includes(secret), error.message);
    return true;
  });
}

describe('router options, checked at start-up', () => {
  const apps = useTestApps();

  it('accepts the minimal options', () => {
    assert.equal(typeof createZhichiRouter(baseOptions()), 'function');
  });

  for (const handler of ['payParams', 'refund', 'refundQuery'] as const) {
    it(`refuses a missing or non-function ${handler} handler`, () => {
      for (const value of [undefined, 'handler', {}]) {
        assertConfigError(
          () => createZhichiRouter({ ...baseOptions(), [handler]: value as never }),
          new RegExp(`^${handler} must be an async function`),
        );
      }
    });
  }

  it('refuses options that are not an object', () => {
    assertConfigError(() => createZhichiRouter(undefined as never), 'options');
    assertConfigError(() => resolveCommonOptions(null as never), 'options');
  });

  it('refuses empty or missing apps', () => {
    assertConfigError(() => createZhichiRouter({ ...baseOptions(), apps: {} }), /^apps is empty/);
    assertConfigError(
      () => createZhichiRouter({ ...baseOptions(), apps: undefined as never }),
      /^apps must be/,
    );
    assertConfigError(
      () => createZhichiRouter({ ...baseOptions(), apps: 'x' as never }),
      /^apps must be/,
    );
  });

  const badApps: [string, unknown, string][] = [
    ['no keys', {}, `apps["${APP_ID}"] has no keys`],
    ['null', null, `apps["${APP_ID}"] must be an object`],
    ['an aesKey without aesToken', { aesKey: AES_KEY }, 'needs both aesKey and aesToken'],
    [
      'an aesToken without aesKey',
      { md5Key: MD5_KEY, aesToken: AES_TOKEN },
      'needs both aesKey and aesToken',
    ],
    ['an empty md5Key', { md5Key: '' }, `apps["${APP_ID}"].md5Key`],
    ['an empty md5Key list', { md5Key: [] }, `apps["${APP_ID}"].md5Key`],
    ['an md5Key list with an empty key', { md5Key: [MD5_KEY, ''] }, `apps["${APP_ID}"].md5Key`],
    ['a numeric md5Key', { md5Key: 123 }, `apps["${APP_ID}"].md5Key`],
    ['an empty aesKey', { aesKey: '', aesToken: AES_TOKEN }, `apps["${APP_ID}"].aesKey`],
    ['a numeric aesToken', { aesKey: AES_KEY, aesToken: 7 }, `apps["${APP_ID}"].aesToken`],
  ];
  for (const [what, app, message] of badApps) {
    it(`refuses an app with ${what}, naming it and never printing a key`, () => {
      assertConfigError(
        () => createZhichiRouter({ ...baseOptions(), apps: { [APP_ID]: app as AppCredentials } }),
        message,
      );
    });
  }

  it('refuses an empty app_id', () => {
    assertConfigError(
      () => createZhichiRouter({ ...baseOptions(), apps: { '': { md5Key: MD5_KEY } } }),
      'empty app_id',
    );
  });

  it('accepts an app with only MD5 or only AES keys', () => {
    createZhichiRouter({ ...baseOptions(), apps: { [APP_ID]: { md5Key: MD5_KEY } } });
    createZhichiRouter({
      ...baseOptions(),
      apps: { [APP_ID]: { aesKey: AES_KEY, aesToken: AES_TOKEN } },
    });
  });

  for (const option of ['handlerTimeoutMs', 'refundLeaseMs'] as const) {
    it(`refuses a bad ${option}`, () => {
      for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5000', 2 ** 31, null]) {
        assertConfigError(
          () => createZhichiRouter({ ...baseOptions(), [option]: value as never }),
          new RegExp(`^${option} must be a positive number of milliseconds`),
        );
      }
    });
  }

  it('refuses a refundLeaseMs not above handlerTimeoutMs, which could run a refund twice', () => {
    // A claim whose lease ends while its handler may still run can be taken over by a retry.
    for (const [handlerTimeoutMs, refundLeaseMs] of [
      [5000, 5000],
      [5000, 1000],
    ]) {
      assertConfigError(
        () => createZhichiRouter({ ...baseOptions(), handlerTimeoutMs, refundLeaseMs }),
        /^refundLeaseMs \(\d+\) must be above handlerTimeoutMs/,
      );
    }
  });

  it('keeps the default refund lease above a long handlerTimeoutMs', () => {
    const resolved = resolveCommonOptions({ ...baseOptions(), handlerTimeoutMs: 900_000 });
    assert.ok(resolved.pipeline.refundLeaseMs > 900_000);
  });

  it('refuses a bad bodyLimit', () => {
    for (const value of [0, -1, 1.5, Number.NaN, '', 'lots', '10 parsecs', '-1kb', {}, true]) {
      assertConfigError(
        () => createZhichiRouter({ ...baseOptions(), bodyLimit: value as never }),
        /^bodyLimit must be/,
      );
    }
  });

  it('refuses a bodyLimit string that comes to zero bytes, which would refuse every body', () => {
    for (const value of ['0', '0kb', '0.00mb', '0.5', '0.4b']) {
      assertConfigError(
        () => createZhichiRouter({ ...baseOptions(), bodyLimit: value }),
        /^bodyLimit must be/,
      );
    }
  });

  it('accepts bodyLimit sizes as numbers and strings', () => {
    for (const value of [1, 1024, '64kb', '1mb', '512', '1.5 MB', '1b', '0.5kb']) {
      assert.equal(resolveCommonOptions({ ...baseOptions(), bodyLimit: value }).bodyLimit, value);
    }
  });

  it('refuses a logger without one of the four levels', () => {
    const { debug: _debug, ...partial } = new CapturingLogger();
    assertConfigError(
      () =>
        createZhichiRouter({
          ...baseOptions(),
          logger: { ...partial, error: () => {}, warn: () => {}, info: () => {} } as never,
        }),
      /^logger must have an debug\(\) method/,
    );
  });

  it('refuses a refundStore that is not a RefundStore', () => {
    const store = new MemoryRefundStore();
    assertConfigError(
      () =>
        createZhichiRouter({
          ...baseOptions(),
          refundStore: { claimRefund: store.claimRefund } as never,
        }),
      /^refundStore must implement RefundStore/,
    );
  });

  it('refuses now and sleep that are not functions', () => {
    assertConfigError(
      () => createZhichiRouter({ ...baseOptions(), now: 5 as never }),
      /^now must be/,
    );
    assertConfigError(
      () => createZhichiRouter({ ...baseOptions(), sleep: 'x' as never }),
      /^sleep must be/,
    );
  });

  it('fills the defaults', () => {
    const resolved = resolveCommonOptions({ apps: { [APP_ID]: credentials } });
    assert.equal(resolved.bodyLimit, '64kb');
    assert.equal(resolved.pipeline.handlerTimeoutMs, 5000);
    assert.equal(resolved.pipeline.refundLeaseMs, 600_000);
    assert.equal(resolved.pipeline.refundPollMs, 250);
    assert.ok(resolved.pipeline.refundStore instanceof MemoryRefundStore);
    assert.equal(typeof resolved.pipeline.logger.info, 'function');
  });

  describe('AES credentials of the wrong length', () => {
    it('warns once at start-up, not per request, and never prints the key', async () => {
      const shortKey = 'short-aes-key-123';
      const { platform, logger } = apps.create({
        apps: { [APP_ID]: { aesKey: shortKey, aesToken: AES_TOKEN } },
      });
      const warnings = () => logger.lines.filter((l) => l.level === 'warn');
      assert.equal(warnings().length, 1, 'warned when the router was created');
      assert.match(warnings()[0]?.message ?? '', /AES key is 17 bytes, not 32/);
      assert.ok(!logger.text().includes(shortKey));
      const sim = platform('PKCS#7', { aesKey: shortKey });
      for (let i = 0; i < 3; i++) {
        const res = await sim.payParams(payParamsData);
        assert.equal(res.status, 0, 'the key is padded as PHP does, and works');
      }
      assert.equal(warnings().length, 1);
      assert.ok(!logger.text().includes(shortKey));
    });

    it('warns once about a token of the wrong length', async () => {
      const { platform, logger } = apps.create({
        apps: { [APP_ID]: { aesKey: AES_KEY, aesToken: 'tok' } },
      });
      const sim = platform('PKCS#7', { aesToken: 'tok' });
      for (let i = 0; i < 2; i++) assert.equal((await sim.payParams(payParamsData)).status, 0);
      const warnings = logger.lines.filter((l) => l.level === 'warn');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]?.message ?? '', /token \(IV\) is 3 bytes, not 16/);
    });

    it('does not warn for keys of the right length', () => {
      const { logger } = apps.create();
      assert.equal(logger.lines.length, 0);
    });
  });

  describe('apps as a resolver function', () => {
    it('serves the apps it resolves and answers 40002 for the others', async () => {
      const asked: string[] = [];
      const { platform } = apps.create({
        apps: async (appId) => {
          asked.push(appId);
          return appId === APP_ID ? credentials : undefined;
        },
      });
      assert.equal((await platform().payParams(payParamsData)).status, 0);
      const unknown = await platform('MD5', { appId: 'nobody' }).payParams(payParamsData);
      assertStatus(unknown, Status.UNKNOWN_APP);
      assert.equal(unknown.envelope.data, '');
      const nulled = await apps
        .create({ apps: () => null })
        .platform()
        .payParams(payParamsData);
      assertStatus(nulled, Status.UNKNOWN_APP);
      assert.deepEqual(asked, [APP_ID, 'nobody']);
    });

    it('answers 50000 when the resolver throws, logging the cause', async () => {
      const { platform, logger } = apps.create({
        apps: async () => {
          throw new Error('config service down');
        },
      });
      const res = await platform().payParams(payParamsData);
      assertStatus(res, Status.INTERNAL_ERROR);
      assert.equal(res.envelope.data, '', 'no app, so nothing is signed');
      assert.ok(!res.body.includes('config service down'));
      assert.match(logger.text(), /config service down/);
    });

    it('answers 50000 when the resolver hangs past handlerTimeoutMs, instead of never answering', async () => {
      const { platform, logger } = apps.create({
        apps: () => new Promise(() => {}),
        handlerTimeoutMs: 30,
      });
      const res = await platform().payParams(payParamsData);
      assertStatus(res, Status.INTERNAL_ERROR);
      assert.match(logger.text(), /apps\(\) resolver did not answer/);
    });

    it('answers 50000 when the resolver returns unusable credentials, never logging a key', async () => {
      const { platform, logger } = apps.create({ apps: () => ({ aesKey: AES_KEY }) });
      const res = await platform().payParams(payParamsData);
      assertStatus(res, Status.INTERNAL_ERROR);
      assert.match(logger.text(), /needs both aesKey and aesToken/);
    });

    it('warns once about a short AES key it resolves, however many requests', async () => {
      const creds = { aesKey: 'short', aesToken: AES_TOKEN };
      const { platform, logger } = apps.create({ apps: () => creds });
      assert.equal(logger.lines.length, 0, 'nothing is known at start-up');
      const sim = platform('PKCS#7', { aesKey: 'short' });
      for (let i = 0; i < 3; i++)
        assert.equal((await sim.refundQuery({ order_id: 'o', refund_order_id: 'r' })).status, 0);
      assert.equal(logger.lines.filter((l) => l.level === 'warn').length, 1);
    });

    it('prepares credentials returned as new objects each time, warning still once', async () => {
      const { platform, logger } = apps.create({
        apps: () => ({ aesKey: 'short', aesToken: AES_TOKEN }),
      });
      const sim = platform('PKCS#7', { aesKey: 'short' });
      for (let i = 0; i < 3; i++) assert.equal((await sim.payParams(payParamsData)).status, 0);
      assert.equal(logger.lines.filter((l) => l.level === 'warn').length, 1);
    });
  });
});
