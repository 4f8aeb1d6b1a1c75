import type {
  PayParamsHandler,
  RefundHandler,
  RefundQueryHandler,
  ZhichiLogger,
} from '../endpoints/types';
import { defaultLogger } from '../logging/default-logger';
import type { PipelineConfig } from '../pipeline/config';
import {
  type AppCredentials,
  type ResolvedApp,
  resolveAppCredentials,
} from '../protocol/credentials';
import { ConfigurationError, ZhichiError } from '../protocol/errors';
import { Status } from '../protocol/status';
import { MemoryRefundStore } from '../stores/memory-refund-store';
import type { RefundStore } from '../stores/refund-store';

/** Looks up the credentials of an `app_id`; undefined (or null) for an app you do not serve. */
export type AppResolver = (
  appId: string,
) => AppCredentials | undefined | null | Promise<AppCredentials | undefined | null>;

/** Options shared by the router and the single-endpoint handlers. */
export interface ZhichiCommonOptions {
  /**
   * The apps you serve: a map of `app_id` → keys, or an async resolver for many apps
   * (called per request; return the same object each time and its preparation is cached).
   */
  apps: Readonly<Record<string, AppCredentials>> | AppResolver;
  /**
   * Where log lines go. Any winston logger fits. Keys, tokens, signatures, `data` and full
   * openids are never logged.
   * @default a winston console logger (JSON lines), level from `ZHICHI_LOG_LEVEL` or `info`
   */
  logger?: ZhichiLogger;
  /**
   * How long a handler may take before the platform is answered 50000. The handler's
   * `context.signal` aborts then. The platform states no timeout of its own; keep this short.
   * @default 5000
   */
  handlerTimeoutMs?: number;
  /**
   * Largest accepted body (bytes, or a string such as `'64kb'`); larger bodies get HTTP 413.
   * @default '64kb'
   */
  bodyLimit?: number | string;
  /**
   * Where refund idempotency records live. The default forgets them on restart; give a
   * durable store when you run in production or on several processes.
   * @default new MemoryRefundStore()
   */
  refundStore?: RefundStore;
  /**
   * How long a refund claim is held before another process may take it over, in ms: it
   * protects against a process that died mid-refund. Must be above handlerTimeoutMs (checked);
   * keep it well above.
   * @default 600000 (10 minutes), or twice handlerTimeoutMs if that is longer
   */
  refundLeaseMs?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /** Sleep, for tests (used while waiting on a refund another process runs). */
  sleep?: (ms: number) => Promise<void>;
}

/** Options of {@link createZhichiRouter}. */
export interface ZhichiRouterOptions extends ZhichiCommonOptions {
  /** Answers 获取支付参数 (`POST /pay-params`). */
  payParams: PayParamsHandler;
  /** Performs 退款 (`POST /refund`); runs once per refund. */
  refund: RefundHandler;
  /** Answers 退款查询 (`POST /refund-query`). */
  refundQuery: RefundQueryHandler;
}

/** Options of a single-endpoint handler such as {@link createPayParamsHandler}. */
export interface ZhichiEndpointOptions<Handler> extends ZhichiCommonOptions {
  handler: Handler;
}

/** Common options, checked and fully defaulted. */
export interface ResolvedOptions {
  pipeline: PipelineConfig;
  bodyLimit: number | string;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i;
const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/**
 * The bytes a size string stands for, as body-parser reads it (rounded down), or undefined
 * when it is not a size. Needed because '0', '0kb' or '0.5' match the pattern but come to
 * zero bytes, a limit that would refuse every body with 413.
 */
function sizeInBytes(size: string): number | undefined {
  const m = SIZE.exec(size.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * (UNIT_BYTES[(m[2] ?? 'b').toLowerCase()] as number));
}
const MAX_TIMER_MS = 2 ** 31 - 1;

function checkMs(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
    throw new ConfigurationError(
      `${name} must be a positive number of milliseconds (at most ${MAX_TIMER_MS}), got ${String(value)}`,
    );
  }
  return value;
}

/** Checks that `handler` is a function; names the option in the error. */
export function checkHandler(name: string, handler: unknown): void {
  if (typeof handler !== 'function') {
    throw new ConfigurationError(
      `${name} must be an async function (request, context) => answer; got ${handler === undefined ? 'nothing' : typeof handler}`,
    );
  }
}

/**
 * Checks the common options once, at start-up, and builds the pipeline's configuration.
 * Throws {@link ConfigurationError} naming the option and the fix; never prints a key.
 */
export function resolveCommonOptions(options: ZhichiCommonOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('options must be an object with at least apps and the handlers');
  }
  const given = options.logger ?? defaultLogger();
  for (const level of ['error', 'warn', 'info', 'debug'] as const) {
    if (typeof given[level] !== 'function') {
      throw new ConfigurationError(`logger must have an ${level}() method (a winston logger fits)`);
    }
  }
  const logger = safeLogger(given);
  const handlerTimeoutMs = checkMs('handlerTimeoutMs', options.handlerTimeoutMs, 5000);
  // The lease must outlast the handler: a claim whose lease ends while its refund handler
  // may still run can be taken over by a retry, and the refund would run twice.
  const refundLeaseMs = checkMs(
    'refundLeaseMs',
    options.refundLeaseMs,
    Math.max(600_000, 2 * handlerTimeoutMs),
  );
  if (refundLeaseMs <= handlerTimeoutMs) {
    throw new ConfigurationError(
      `refundLeaseMs (${refundLeaseMs}) must be above handlerTimeoutMs (${handlerTimeoutMs}), well above: a refund still running when its claim's lease ends could be run again`,
    );
  }
  const bodyLimit = options.bodyLimit ?? '64kb';
  if (
    !(typeof bodyLimit === 'number' && Number.isSafeInteger(bodyLimit) && bodyLimit > 0) &&
    !(typeof bodyLimit === 'string' && (sizeInBytes(bodyLimit) ?? 0) >= 1)
  ) {
    throw new ConfigurationError(
      `bodyLimit must be a positive number of bytes or a size such as '64kb', got ${String(bodyLimit)}`,
    );
  }
  const refundStore = options.refundStore ?? new MemoryRefundStore();
  for (const method of ['claimRefund', 'completeRefund', 'releaseRefund', 'getRefund'] as const) {
    if (typeof refundStore[method] !== 'function') {
      throw new ConfigurationError(
        `refundStore must implement RefundStore (${method}() is missing)`,
      );
    }
  }
  for (const [name, fn] of [
    ['now', options.now],
    ['sleep', options.sleep],
  ] as const) {
    if (fn !== undefined && typeof fn !== 'function') {
      throw new ConfigurationError(`${name} must be a function`);
    }
  }
  return {
    // Trimmed: body-parser's size reader takes ' 64kb' for 64 bytes.
    bodyLimit: typeof bodyLimit === 'string' ? bodyLimit.trim() : bodyLimit,
    pipeline: {
      resolveApp: createAppResolver(options.apps, logger, handlerTimeoutMs),
      handlerTimeoutMs,
      refundStore,
      refundLeaseMs,
      refundPollMs: Math.min(250, handlerTimeoutMs / 10),
      logger,
      now: options.now ?? Date.now,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      inflightRefunds: new Map(),
    },
  };
}

/**
 * The logger as the pipeline uses it: a log sink that throws must never change an answer
 * (a throw from the pipeline's own catch reached Express, which answered an HTML page with
 * the stack trace; one inside a refund's bookkeeping became an unhandled rejection).
 */
function safeLogger(logger: ZhichiLogger): ZhichiLogger {
  const wrap =
    (level: keyof ZhichiLogger) =>
    (...args: [message: string, meta?: Record<string, unknown>]): unknown => {
      try {
        // Arguments forwarded as given: winston reads an explicit undefined meta as a splat.
        return logger[level](...args);
      } catch {
        return undefined;
      }
    };
  return { error: wrap('error'), warn: wrap('warn'), info: wrap('info'), debug: wrap('debug') };
}

function createAppResolver(
  apps: ZhichiCommonOptions['apps'],
  logger: ZhichiLogger,
  timeoutMs: number,
): PipelineConfig['resolveApp'] {
  const warned = new Set<string>();
  const warnOnce = (app: ResolvedApp) => {
    if (app.warnings.length === 0 || warned.has(app.appId)) return;
    warned.add(app.appId);
    for (const warning of app.warnings)
      logger.warn(`zhichi app ${app.appId}: ${warning}`, { app_id: app.appId });
  };

  if (typeof apps === 'function') {
    // Prepared credentials, by the object the resolver returned: no work per request.
    const prepared = new WeakMap<object, ResolvedApp>();
    return async (appId) => {
      const credentials = await withinTime(apps(appId), timeoutMs, appId);
      if (credentials === undefined || credentials === null) return undefined;
      let app = typeof credentials === 'object' ? prepared.get(credentials) : undefined;
      if (!app || app.appId !== appId) {
        app = resolveAppCredentials(
          appId,
          credentials,
          `the credentials apps() returned for app ${appId}`,
        );
        prepared.set(credentials, app);
        warnOnce(app);
      }
      return app;
    };
  }
  if (apps === null || typeof apps !== 'object') {
    throw new ConfigurationError(
      'apps must be a map of app_id → { md5Key } / { aesKey, aesToken }, or a function (appId) => credentials',
    );
  }
  const table = new Map<string, ResolvedApp>();
  for (const [appId, credentials] of Object.entries(apps)) {
    if (appId === '') throw new ConfigurationError('apps has an empty app_id as a key');
    const app = resolveAppCredentials(appId, credentials, `apps[${JSON.stringify(appId)}]`);
    table.set(appId, app);
    warnOnce(app);
  }
  if (table.size === 0) {
    throw new ConfigurationError('apps is empty: give at least one app_id with its keys');
  }
  return async (appId) => table.get(appId);
}

/** A hanging apps() resolver must not leave the platform without an answer. */
async function withinTime<T>(value: T | Promise<T>, timeoutMs: number, appId: string): Promise<T> {
  if (!(value instanceof Promise)) return value;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ZhichiError(
            `the apps() resolver did not answer for app ${appId} within ${timeoutMs} ms`,
            'APP_LOOKUP_TIMEOUT',
            Status.INTERNAL_ERROR,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([value, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
