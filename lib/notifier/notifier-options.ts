import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import winston from 'winston';
import { AesCodec, describeAesCredentialIssues } from '../protocol/aes';
import { ConfigurationError } from '../protocol/errors';
import { parseSignType } from '../protocol/sign-type';
import type { NoticeStore, NoticeWithHistory } from '../stores/notice-store';
import { SqliteStore } from '../stores/sqlite-store';
import type { FetchLike } from './deliver-notice';
import type { NoticeSealer } from './payment-notice';
import { DEFAULT_RETRY_SCHEDULE, type RetryPolicy } from './retry-delay';

/** The platform's URL for payment-success notices. */
export const DEFAULT_NOTIFY_URL =
  'https://www.jisuapp.cn/index.php/pay/Notify/ThirdApiPaymentCallback';

/** A winston-compatible logger; the notifier logs ids and outcomes, never keys. */
export interface NotifierLogger {
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
  debug(message: string, meta?: Record<string, unknown>): unknown;
}

/** A source of the current time, in epoch milliseconds. */
export interface Clock {
  now(): number;
}

/** Timers that schedule the notifier's next look at the outbox. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link createNotifier}. Keys are never logged nor put in error messages. */
export interface NotifierOptions {
  /** The 咫尺 `app_id` notices are sent for. */
  appId: string;
  /**
   * `MD5` (data signed with `md5Key`) or `PKCS#7` (data encrypted with `aesKey` and `aesToken`);
   * `PKCS7` and any letter case are accepted.
   * @default 'MD5'
   */
  signType?: string;
  /** The md5 key; required for `MD5`. */
  md5Key?: string;
  /** The AES key; with `aesToken`, required for `PKCS#7`. */
  aesKey?: string;
  /** The AES token (IV); with `aesKey`, required for `PKCS#7`. */
  aesToken?: string;
  /**
   * Where notices are posted.
   * @default 'https://www.jisuapp.cn/index.php/pay/Notify/ThirdApiPaymentCallback'
   */
  notifyUrl?: string;
  /**
   * How long one attempt may take, answer body included, in milliseconds.
   * @default 10_000
   */
  timeoutMs?: number;
  /**
   * Delays before each retry, in milliseconds; its length is the number of retries.
   * @default WeChat Pay's: 15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h
   */
  retrySchedule?: readonly number[];
  /**
   * Each retry delay moves at random by up to this fraction of itself, up or down (0 to 1).
   * @default 0.1
   */
  retryJitter?: number;
  /**
   * A `Retry-After` longer than this is cut to it, in milliseconds.
   * @default 21_600_000 (6 hours)
   */
  maxRetryAfterMs?: number;
  /**
   * The durable outbox. Not closed by `close()`: it is yours.
   * @default a SqliteStore at `databasePath`, closed by `close()`
   */
  store?: NoticeStore;
  /**
   * The SQLite file of the default store (ignored when `store` is given).
   * @default '.data/zhichi-pay.sqlite'
   */
  databasePath?: string;
  /**
   * How long an instance holds a notice it is sending before another instance may take it
   * over (because the first presumably died), in milliseconds. Must exceed `timeoutMs`.
   * @default the larger of 60_000 and twice `timeoutMs`
   */
  leaseMs?: number;
  /**
   * How often the outbox is checked for notices other instances queued or left behind, and
   * how often `waitForDelivery` re-reads it, in milliseconds.
   * @default 5_000
   */
  pollIntervalMs?: number;
  /**
   * How many notices are sent at once by this instance.
   * @default 8
   */
  concurrency?: number;
  /**
   * Called when a notice becomes a dead letter (every retry failed). Errors it throws are
   * logged and otherwise ignored.
   */
  onDeadLetter?: (notice: NoticeWithHistory) => void | Promise<void>;
  /**
   * Where the notifier logs.
   * @default a winston logger writing JSON lines to the console
   */
  logger?: NotifierLogger;
  /**
   * The HTTP client.
   * @default the global fetch
   */
  fetch?: FetchLike;
  /** @default Date */
  clock?: Clock;
  /**
   * Timers for the retry schedule and polling (a request's own timeout always uses real time).
   * @default the global setTimeout and clearTimeout
   */
  timers?: Timers;
  /**
   * Random numbers in [0, 1), for jitter.
   * @default Math.random
   */
  random?: () => number;
  /**
   * Names this instance in leases and attempt history.
   * @default `${hostname}:${pid}:${random}`
   */
  instanceId?: string;
}

/** {@link NotifierOptions} checked and with every default applied. */
export interface NotifierConfig {
  appId: string;
  sealer: NoticeSealer;
  notifyUrl: string;
  timeoutMs: number;
  retry: RetryPolicy;
  store: NoticeStore;
  ownsStore: boolean;
  leaseMs: number;
  pollIntervalMs: number;
  concurrency: number;
  onDeadLetter?: (notice: NoticeWithHistory) => void | Promise<void>;
  logger: NotifierLogger;
  fetch: FetchLike;
  clock: Clock;
  timers: Timers;
  random: () => number;
  instanceId: string;
}

function fail(option: string, fix: string): never {
  throw new ConfigurationError(`notifier option \`${option}\` ${fix}`);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function wholeMs(option: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(option, `must be a whole number of milliseconds of at least ${min}`);
  }
  return value;
}

function defaultLogger(): NotifierLogger {
  return winston.createLogger({
    level: 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { component: 'zhichi-notifier' },
    transports: [new winston.transports.Console()],
  });
}

/** Checks `options` once, at construction; throws {@link ConfigurationError} naming the option. */
export function resolveNotifierConfig(options: NotifierOptions): NotifierConfig {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('createNotifier needs an options object with at least `appId`');
  }
  if (!nonEmptyString(options.appId)) fail('appId', 'must be your 咫尺 app_id, a non-empty string');
  const mode = parseSignType(options.signType ?? 'MD5');
  if (!mode) fail('signType', 'must be "MD5" or "PKCS#7"');
  const logger = options.logger ?? defaultLogger();
  for (const level of ['info', 'warn', 'error', 'debug'] as const) {
    if (typeof logger[level] !== 'function') {
      fail('logger', 'must have info, warn, error and debug methods (a winston logger fits)');
    }
  }

  let sealer: NoticeSealer;
  let aesIssues: string[] = [];
  if (mode === 'MD5') {
    if (!nonEmptyString(options.md5Key)) {
      fail(
        'md5Key',
        options.aesKey !== undefined
          ? 'is required with signType "MD5"; to encrypt with aesKey and aesToken instead, set signType: "PKCS#7"'
          : 'is required with signType "MD5": set it to the md5 key the platform gave you',
      );
    }
    sealer = { mode, md5Key: options.md5Key };
  } else {
    if (!nonEmptyString(options.aesKey)) fail('aesKey', 'is required with signType "PKCS#7"');
    if (!nonEmptyString(options.aesToken)) fail('aesToken', 'is required with signType "PKCS#7"');
    aesIssues = describeAesCredentialIssues(options.aesKey, options.aesToken);
    sealer = { mode, codec: new AesCodec(options.aesKey, options.aesToken) };
  }

  const notifyUrl = options.notifyUrl ?? DEFAULT_NOTIFY_URL;
  let parsed: URL | undefined;
  try {
    parsed = new URL(notifyUrl);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    fail('notifyUrl', `must be an absolute http(s) URL, such as the default ${DEFAULT_NOTIFY_URL}`);
  }

  const timeoutMs = wholeMs('timeoutMs', options.timeoutMs, 10_000, 1);
  const leaseMs = wholeMs('leaseMs', options.leaseMs, Math.max(60_000, 2 * timeoutMs), 1);
  if (leaseMs <= timeoutMs) {
    fail(
      'leaseMs',
      `must exceed timeoutMs (${timeoutMs}), or another instance may send a notice still being sent`,
    );
  }
  const pollIntervalMs = wholeMs('pollIntervalMs', options.pollIntervalMs, 5_000, 1);
  const maxRetryAfterMs = wholeMs('maxRetryAfterMs', options.maxRetryAfterMs, 21_600_000, 0);
  const concurrency = options.concurrency ?? 8;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    fail('concurrency', 'must be a whole number of at least 1');
  }
  const schedule = options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE;
  if (
    !Array.isArray(schedule) ||
    !schedule.every((d) => typeof d === 'number' && Number.isFinite(d) && d >= 0)
  ) {
    fail('retrySchedule', 'must be an array of delays in milliseconds, each 0 or more');
  }
  const jitter = options.retryJitter ?? 0.1;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    fail('retryJitter', 'must be a fraction between 0 and 1');
  }
  if (options.onDeadLetter !== undefined && typeof options.onDeadLetter !== 'function') {
    fail('onDeadLetter', 'must be a function');
  }
  const fetchFn = options.fetch ?? (globalThis.fetch as FetchLike | undefined);
  if (typeof fetchFn !== 'function') fail('fetch', 'must be a fetch-compatible function');
  const clock = options.clock ?? Date;
  if (typeof clock.now !== 'function') fail('clock', 'must have a now() method');
  const timers = options.timers ?? {
    setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms),
    clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
  };
  if (typeof timers.setTimeout !== 'function' || typeof timers.clearTimeout !== 'function') {
    fail('timers', 'must have setTimeout and clearTimeout methods');
  }
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') fail('random', 'must be a function returning [0, 1)');
  if (options.instanceId !== undefined && !nonEmptyString(options.instanceId)) {
    fail('instanceId', 'must be a non-empty string');
  }
  if (
    options.store !== undefined &&
    (typeof options.store !== 'object' ||
      options.store === null ||
      typeof options.store.claimDue !== 'function')
  ) {
    fail('store', 'must implement NoticeStore (SqliteStore, MemoryNoticeStore or your own)');
  }
  if (options.store !== undefined && options.databasePath !== undefined) {
    fail('databasePath', 'cannot be used with `store`: give one or the other');
  }
  if (options.databasePath !== undefined && !nonEmptyString(options.databasePath)) {
    fail('databasePath', 'must be a file path, such as ".data/zhichi-pay.sqlite"');
  }
  // Warned once, at start-up, not per notice: PHP silently pads or cuts such keys.
  for (const issue of aesIssues) logger.warn(`notifier for app ${options.appId}: ${issue}`);
  // The store last: nothing is opened when another option is wrong.
  const store =
    options.store ?? new SqliteStore({ path: options.databasePath ?? '.data/zhichi-pay.sqlite' });

  const config: NotifierConfig = {
    appId: options.appId,
    sealer,
    notifyUrl,
    timeoutMs,
    retry: { schedule: Object.freeze([...schedule]), jitter, maxRetryAfterMs },
    store,
    ownsStore: options.store === undefined,
    leaseMs,
    pollIntervalMs,
    concurrency,
    logger,
    fetch: fetchFn,
    clock,
    timers,
    random,
    instanceId: options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
  };
  if (options.onDeadLetter) config.onDeadLetter = options.onDeadLetter;
  return config;
}
