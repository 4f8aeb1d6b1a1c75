import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createNotifier, DEFAULT_NOTIFY_URL, type NotifierOptions } from '../../lib/notifier';
import { resolveNotifierConfig } from '../../lib/notifier/notifier-options';
import { ConfigurationError } from '../../lib/protocol/errors';
import { MemoryNoticeStore } from '../../lib/stores/memory-notice-store';
import { SqliteStore } from '../../lib/stores/sqlite-store';
import { MemoryLogger } from '../helpers/manual-clock';
import { makeTempDir } from '../helpers/temp-dir';

const SECRET = 'sekrit-md5-key-do-not-print-000';
const base: NotifierOptions = {
  appId: 'app1',
  md5Key: SECRET,
  store: new MemoryNoticeStore(),
  logger: new MemoryLogger(),
};

describe('notifier options', () => {
  const cases: [string, Partial<NotifierOptions> | Record<string, unknown>, RegExp][] = [
    ['a missing appId', { appId: undefined }, /`appId` must be your 咫尺 app_id/],
    ['an unknown signType', { signType: 'RSA' }, /`signType` must be "MD5" or "PKCS#7"/],
    ['MD5 without md5Key', { md5Key: undefined }, /`md5Key` is required with signType "MD5"/],
    [
      'MD5 with only AES keys',
      { md5Key: undefined, aesKey: 'a', aesToken: 'b' },
      /set signType: "PKCS#7"/,
    ],
    ['PKCS#7 without aesKey', { signType: 'PKCS#7' }, /`aesKey` is required/],
    [
      'PKCS#7 without aesToken',
      { signType: 'PKCS#7', aesKey: 'a'.repeat(32) },
      /`aesToken` is required/,
    ],
    [
      'a relative notifyUrl',
      { notifyUrl: '/pay/notify' },
      /`notifyUrl` must be an absolute http\(s\) URL/,
    ],
    ['an ftp notifyUrl', { notifyUrl: 'ftp://example.com/x' }, /`notifyUrl`/],
    ['a zero timeout', { timeoutMs: 0 }, /`timeoutMs` must be a whole number of milliseconds/],
    ['a fractional timeout', { timeoutMs: 1.5 }, /`timeoutMs`/],
    [
      'a lease not above the timeout',
      { timeoutMs: 10_000, leaseMs: 10_000 },
      /`leaseMs` must exceed timeoutMs \(10000\)/,
    ],
    [
      'a negative delay in the schedule',
      { retrySchedule: [1000, -1] },
      /`retrySchedule` must be an array/,
    ],
    ['a schedule that is not an array', { retrySchedule: 5 }, /`retrySchedule`/],
    ['jitter above 1', { retryJitter: 2 }, /`retryJitter` must be a fraction between 0 and 1/],
    ['zero concurrency', { concurrency: 0 }, /`concurrency` must be a whole number of at least 1/],
    ['a zero poll interval', { pollIntervalMs: 0 }, /`pollIntervalMs`/],
    [
      'a logger without debug',
      { logger: { info() {}, warn() {}, error() {} } },
      /`logger` must have/,
    ],
    [
      'fetch that is not a function',
      { fetch: 'curl' },
      /`fetch` must be a fetch-compatible function/,
    ],
    ['a clock without now', { clock: {} }, /`clock` must have a now\(\) method/],
    ['timers without clearTimeout', { timers: { setTimeout() {} } }, /`timers`/],
    [
      'onDeadLetter that is not a function',
      { onDeadLetter: 'mail me' },
      /`onDeadLetter` must be a function/,
    ],
    ['a store that is not one', { store: {} }, /`store` must implement NoticeStore/],
    [
      'both store and databasePath',
      { databasePath: 'x.sqlite' },
      /`databasePath` cannot be used with `store`/,
    ],
  ];

  for (const [what, override, message] of cases) {
    it(`refuses ${what} at construction, naming the option`, () => {
      assert.throws(
        () => createNotifier({ ...base, ...override } as NotifierOptions),
        (e) =>
          e instanceof ConfigurationError &&
          message.test(e.message) &&
          !e.message.includes(SECRET) &&
          e.code === 'CONFIGURATION',
      );
    });
  }

  it('applies the documented defaults', () => {
    const config = resolveNotifierConfig(base);
    assert.equal(config.notifyUrl, DEFAULT_NOTIFY_URL);
    assert.equal(
      DEFAULT_NOTIFY_URL,
      'https://www.jisuapp.cn/index.php/pay/Notify/ThirdApiPaymentCallback',
    );
    assert.equal(config.sealer.mode, 'MD5');
    assert.equal(config.timeoutMs, 10_000);
    assert.equal(config.leaseMs, 60_000);
    assert.equal(config.pollIntervalMs, 5_000);
    assert.equal(config.concurrency, 8);
    assert.equal(config.retry.jitter, 0.1);
    assert.equal(config.retry.maxRetryAfterMs, 21_600_000);
    assert.equal(config.retry.schedule.length, 15);
    assert.equal(config.ownsStore, false);
    assert.equal(config.clock, Date);
    assert.equal(config.fetch, globalThis.fetch);
    assert.match(config.instanceId, /:\d+:/);
  });

  it('accepts PKCS7 in any case and warns once about a short AES key, without the key', () => {
    const logger = new MemoryLogger();
    const config = resolveNotifierConfig({
      ...base,
      md5Key: undefined,
      signType: 'pkcs7',
      aesKey: 'shortkey',
      aesToken: '0123456789abcdef',
      logger,
    });
    assert.equal(config.sealer.mode, 'PKCS#7');
    assert.equal(logger.lines.length, 1);
    assert.match(logger.lines[0]?.message ?? '', /AES key is 8 bytes, not 32/);
    assert.ok(!logger.text().includes('shortkey'));
  });

  it('opens a SQLite store at databasePath by default and closes it on close()', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const file = path.join(dir, 'nested', 'notices.sqlite');
      const { store: _ignored, ...withoutStore } = base;
      const notifier = createNotifier({ ...withoutStore, databasePath: file });
      assert.ok(existsSync(file));
      await notifier.close();
      // Closed: the file can be opened again by another store at once.
      const again = new SqliteStore({ path: file });
      assert.deepEqual(await again.listNotices(), []);
      await again.close();
      // A bad option opens nothing.
      const other = path.join(dir, 'never.sqlite');
      assert.throws(() => createNotifier({ ...withoutStore, timeoutMs: -1, databasePath: other }));
      assert.equal(existsSync(other), false);
    } finally {
      cleanup();
    }
  });
});
