import { createHash } from 'node:crypto';
import { ConfigurationError } from '../protocol/errors';

/**
 * The part of a node-postgres (`pg`) pool client the PostgreSQL store uses. A `pg.PoolClient`
 * fits; so does anything with the same `query` and `release`.
 */
export interface PostgresClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  release(destroy?: boolean | Error): void;
  /** node-postgres emits `error` on a checked-out client whose connection dies. */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * The part of a node-postgres pool the PostgreSQL store uses: a `pg.Pool` fits. Declared here
 * so that this library's types do not require `@types/pg`.
 */
export interface PostgresPool {
  connect(): Promise<PostgresClient>;
  end(): Promise<void>;
}

/** Retries of a store operation after a transient database error (see {@link isTransientPostgresError}). */
export interface PostgresRetryOptions {
  /**
   * How many times an operation is tried again after a transient error (connection refused or
   * reset, server shutting down, serialization failure, deadlock). 0 turns retrying off.
   * @default 6
   */
  retries?: number;
  /**
   * The delay before the first retry, in milliseconds; each further retry doubles it.
   * @default 50
   */
  baseDelayMs?: number;
  /**
   * The longest delay between two tries, in milliseconds.
   * @default 2000
   */
  maxDelayMs?: number;
  /**
   * Waits between tries, for tests.
   * @default a promise resolved by setTimeout
   */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Random numbers in [0, 1), for jitter.
   * @default Math.random
   */
  random?: () => number;
}

/** {@link PostgresRetryOptions} with every default applied. */
export interface PostgresRetryPolicy {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Checks `options` and applies the defaults; `owner` names the caller in error messages. */
export function resolveRetryPolicy(
  options: PostgresRetryOptions | undefined,
  owner: string,
): PostgresRetryPolicy {
  const policy: PostgresRetryPolicy = {
    retries: options?.retries ?? 6,
    baseDelayMs: options?.baseDelayMs ?? 50,
    maxDelayMs: options?.maxDelayMs ?? 2000,
    sleep: options?.sleep ?? defaultSleep,
    random: options?.random ?? Math.random,
  };
  if (!Number.isInteger(policy.retries) || policy.retries < 0) {
    throw new ConfigurationError(`${owner}: \`retry.retries\` must be a whole number, 0 or more`);
  }
  for (const name of ['baseDelayMs', 'maxDelayMs'] as const) {
    const value = policy[name];
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigurationError(
        `${owner}: \`retry.${name}\` must be a number of milliseconds, 0 or more`,
      );
    }
  }
  if (typeof policy.sleep !== 'function' || typeof policy.random !== 'function') {
    throw new ConfigurationError(
      `${owner}: \`retry.sleep\` and \`retry.random\` must be functions`,
    );
  }
  return policy;
}

/**
 * The delay before retry number `retry` (1 for the first retry), in milliseconds: exponential
 * backoff from `baseDelayMs`, capped at `maxDelayMs`, with "equal jitter" (between half and
 * all of that). Pure: `random` is a number in [0, 1).
 */
export function postgresRetryDelay(
  retry: number,
  policy: { baseDelayMs: number; maxDelayMs: number },
  random: number,
): number {
  const exponent = Math.max(0, Math.floor(retry) - 1);
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(capped / 2 + (capped / 2) * r);
}

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

const TRANSIENT_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

// node-postgres reports a lost connection with plain Errors that have no code.
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /terminating connection/i,
  /client has encountered a connection error/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /server closed the connection unexpectedly/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

/**
 * True for an error worth retrying: the connection was refused, reset or lost (any `08xxx`
 * SQLSTATE), the server is shutting down or starting (`57P01`–`57P03`), has no free connection
 * (`53300`), or the transaction lost a serialization conflict or a deadlock (`40001`, `40P01`).
 */
export function isTransientPostgresError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, errors } = error as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    if (TRANSIENT_NODE_CODES.has(code) || TRANSIENT_SQLSTATES.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  // An AggregateError, as net.connect gives when every address of a host refused.
  if (Array.isArray(errors) && errors.length > 0 && errors.every(isTransientPostgresError)) {
    return true;
  }
  return typeof message === 'string' && TRANSIENT_MESSAGES.some((re) => re.test(message));
}

/**
 * Runs `operation`, trying again after a transient error as `policy` says. `operation` learns
 * whether an earlier try failed, in which case that try may have committed before the error
 * (its acknowledgement lost): every write must then check for its own earlier effect.
 */
export async function withRetry<T>(
  policy: PostgresRetryPolicy,
  operation: (retrying: boolean) => Promise<T>,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await operation(retry > 0);
    } catch (error) {
      if (retry >= policy.retries || !isTransientPostgresError(error)) throw error;
      await policy.sleep(postgresRetryDelay(retry + 1, policy, policy.random()));
    }
  }
}

/**
 * Runs `body` on one pooled connection, then gives the connection back, or destroys it if it
 * failed (a transient error, or `body` called `destroy`). While checked out, the connection's
 * `error` events (the server went away between two statements) are caught: node-postgres would
 * otherwise crash the process with them.
 */
export async function withClient<T>(
  pool: PostgresPool,
  body: (client: PostgresClient, destroy: (error: Error) => void) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const destroy = (error: Error) => {
    broken ??= error;
  };
  client.on?.('error', destroy);
  try {
    return await body(client, destroy);
  } catch (error) {
    if (isTransientPostgresError(error)) destroy(error as Error);
    throw error;
  } finally {
    client.removeListener?.('error', destroy);
    client.release(broken ?? false);
  }
}

/**
 * Runs `body` in one transaction on one pooled connection: BEGIN, body, COMMIT; ROLLBACK on
 * error. A connection that failed is destroyed rather than returned to the pool.
 */
export async function inTransaction<T>(
  pool: PostgresPool,
  body: (client: PostgresClient) => Promise<T>,
): Promise<T> {
  return withClient(pool, async (client, destroy) => {
    await client.query('BEGIN');
    let result: T;
    try {
      result = await body(client);
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        destroy(rollbackError as Error);
      }
      throw error;
    }
    await client.query('COMMIT');
    return result;
  });
}

/** Options of a pool this library creates from a connection string. */
export interface OwnPoolOptions {
  connectionString: string;
  max: number;
  connectTimeoutMs: number;
  /** Errors of idle connections (the server closed them); without a listener they would crash the process. */
  onIdleError: (error: Error) => void;
}

type PgModule = {
  Pool: new (
    config: Record<string, unknown>,
  ) => PostgresPool & {
    on(event: 'error', listener: (error: Error) => void): unknown;
  };
};

/**
 * Creates a `pg.Pool`, loading `pg` only now so that the package works without it for users
 * who do not use PostgreSQL. `owner` names the caller in the error raised when it is missing.
 */
export function createOwnPool(options: OwnPoolOptions, owner: string): PostgresPool {
  let pg: PgModule;
  try {
    pg = require('pg') as PgModule;
  } catch (error) {
    throw new ConfigurationError(
      `${owner}: the \`pg\` package (node-postgres) is needed for a \`connectionString\`; install it with \`npm install pg\`, or pass your own \`pool\``,
      { cause: error },
    );
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max,
    connectionTimeoutMillis: options.connectTimeoutMs,
    keepAlive: true,
  });
  pool.on('error', options.onIdleError);
  return pool;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** The qualified, quoted names of the store's tables. */
export interface PostgresTableNames {
  schema: string;
  prefix: string;
  /** `"schema"` */
  qSchema: string;
  migrations: string;
  notices: string;
  attempts: string;
  refunds: string;
  /** Unqualified name prefix for indexes. */
  indexPrefix: string;
  /** The key of the advisory lock that serializes migrations of these tables. */
  lockKey: [number, number];
}

/** Checks `schema` and `tablePrefix` and builds the table names; `owner` names the caller. */
export function tableNames(
  schema: string | undefined,
  tablePrefix: string | undefined,
  owner: string,
): PostgresTableNames {
  const s = schema ?? 'public';
  const p = tablePrefix ?? 'zhichi_';
  if (!IDENTIFIER.test(s) || s.length > 63) {
    throw new ConfigurationError(
      `${owner}: \`schema\` must be a lower-case SQL identifier (letters, digits, _), at most 63 characters`,
    );
  }
  if (!(p === '' || IDENTIFIER.test(p)) || p.length > 40) {
    throw new ConfigurationError(
      `${owner}: \`tablePrefix\` must be lower-case letters, digits and _ (not starting with a digit), at most 40 characters`,
    );
  }
  const q = (table: string) => `"${s}"."${p}${table}"`;
  // Per schema, not per prefix: two prefixes migrating into a new schema at once would both
  // try to create it.
  const hash = createHash('sha256').update(s).digest();
  return {
    schema: s,
    prefix: p,
    qSchema: `"${s}"`,
    migrations: q('schema_migrations'),
    notices: q('notices'),
    attempts: q('notice_attempts'),
    refunds: q('refunds'),
    indexPrefix: p,
    // 0x7a686331 is "zhc1": this library's namespace among advisory locks.
    lockKey: [0x7a686331, hash.readInt32BE(0)],
  };
}
