import { ConfigurationError } from '../protocol/errors';
import {
  createOwnPool,
  inTransaction,
  type PostgresClient,
  type PostgresPool,
  type PostgresRetryOptions,
  type PostgresTableNames,
  resolveRetryPolicy,
  tableNames,
  withClient,
  withRetry,
} from './postgres-support';

/** One step of the PostgreSQL schema. Steps are applied in order, each exactly once. */
export interface PostgresMigration {
  version: number;
  description: string;
  /** The SQL statements, for the given table names. */
  statements(names: PostgresTableNames): string[];
}

/**
 * Every schema version, oldest first. Never edit a released step: add a new one. Epoch
 * milliseconds are `bigint`; texts are `text` (a refund's outcome is kept as the exact JSON
 * text answered, not `jsonb`, so that a replayed answer is byte for byte the first one).
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: 'notice outbox, notice attempts, refund idempotency records',
    statements: (n) => [
      `CREATE TABLE ${n.notices} (
        id text PRIMARY KEY,
        app_id text NOT NULL,
        order_id text NOT NULL,
        transaction_id text NOT NULL,
        order_type integer NOT NULL,
        url text NOT NULL,
        body text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
        attempt_count integer NOT NULL DEFAULT 0,
        attempts_before_requeue integer NOT NULL DEFAULT 0,
        next_attempt_at bigint NOT NULL,
        lease_owner text,
        lease_token text,
        lease_until bigint,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        delivered_at bigint,
        last_error text,
        UNIQUE (app_id, order_id)
      )`,
      `CREATE INDEX "${n.indexPrefix}notices_due" ON ${n.notices} (next_attempt_at, created_at)
        WHERE state = 'pending'`,
      `CREATE INDEX "${n.indexPrefix}notices_created" ON ${n.notices} (created_at, id)`,
      `CREATE INDEX "${n.indexPrefix}notices_lease_token" ON ${n.notices} (lease_token)
        WHERE lease_token IS NOT NULL`,
      `CREATE TABLE ${n.attempts} (
        notice_id text NOT NULL REFERENCES ${n.notices} (id) ON DELETE CASCADE,
        number integer NOT NULL,
        started_at bigint NOT NULL,
        finished_at bigint NOT NULL,
        outcome text NOT NULL,
        http_status integer,
        detail text NOT NULL,
        owner text NOT NULL,
        claim_token text NOT NULL,
        PRIMARY KEY (notice_id, number),
        UNIQUE (notice_id, claim_token)
      )`,
      `CREATE TABLE ${n.refunds} (
        key text PRIMARY KEY,
        fingerprint text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'done')),
        outcome text,
        token text NOT NULL,
        lease_until bigint NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )`,
      `CREATE INDEX "${n.indexPrefix}refunds_done" ON ${n.refunds} (updated_at)
        WHERE state = 'done'`,
    ],
  },
];

/** The schema version this library needs. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;

/** Options of {@link migratePostgres}. */
export interface MigratePostgresOptions {
  /**
   * The schema holding the tables; created if missing.
   * @default 'public'
   */
  schema?: string;
  /**
   * Put before every table name.
   * @default 'zhichi_'
   */
  tablePrefix?: string;
  /** Retries after a transient error. @default see {@link PostgresRetryOptions} */
  retry?: PostgresRetryOptions;
}

/** What {@link migratePostgres} did. */
export interface MigratePostgresResult {
  /** The versions applied now, oldest first; empty when the schema was up to date. */
  applied: number[];
  /** The schema version now. */
  version: number;
}

/**
 * Creates or upgrades the PostgreSQL store's tables to {@link POSTGRES_SCHEMA_VERSION}. Safe to
 * run again (a no-op when up to date) and from several instances at once: every step runs in
 * one transaction under an advisory lock, and is recorded in the `zhichi_schema_migrations`
 * table. Give a `pg.Pool` (left open) or a connection string (a pool is made and closed).
 * Refuses a database whose schema is newer than this library.
 */
export async function migratePostgres(
  poolOrUrl: PostgresPool | string,
  options: MigratePostgresOptions = {},
): Promise<MigratePostgresResult> {
  const owner = 'migratePostgres';
  const names = tableNames(options.schema, options.tablePrefix, owner);
  const retry = resolveRetryPolicy(options.retry, owner);
  let pool: PostgresPool;
  let ownPool = false;
  if (typeof poolOrUrl === 'string') {
    pool = createOwnPool(
      { connectionString: poolOrUrl, max: 1, connectTimeoutMs: 10_000, onIdleError: () => {} },
      owner,
    );
    ownPool = true;
  } else if (poolOrUrl && typeof poolOrUrl.connect === 'function') {
    pool = poolOrUrl;
  } else {
    throw new ConfigurationError(`${owner}: give a pg.Pool or a connection string`);
  }
  try {
    return await withRetry(retry, () =>
      inTransaction(pool, (client) => migrateLocked(client, names)),
    );
  } finally {
    if (ownPool) await pool.end();
  }
}

async function migrateLocked(
  client: PostgresClient,
  names: PostgresTableNames,
): Promise<MigratePostgresResult> {
  // Held until the transaction ends: a second instance migrating at the same moment waits
  // here, then finds the steps recorded and does nothing.
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', names.lockKey);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${names.qSchema}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${names.migrations} (
      version integer PRIMARY KEY,
      description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`,
  );
  const current = await schemaVersionOn(client, names);
  if (current > POSTGRES_SCHEMA_VERSION) throw newerSchemaError(current, names);
  const applied: number[] = [];
  for (const migration of POSTGRES_MIGRATIONS) {
    if (migration.version <= current) continue;
    for (const statement of migration.statements(names)) await client.query(statement);
    await client.query(`INSERT INTO ${names.migrations} (version, description) VALUES ($1, $2)`, [
      migration.version,
      migration.description,
    ]);
    applied.push(migration.version);
  }
  return { applied, version: Math.max(current, ...applied) };
}

async function schemaVersionOn(client: PostgresClient, names: PostgresTableNames) {
  const { rows } = await client.query(`SELECT max(version) AS version FROM ${names.migrations}`);
  return Number((rows[0] as { version: number | null } | undefined)?.version ?? 0);
}

function newerSchemaError(version: number, names: PostgresTableNames) {
  return new ConfigurationError(
    `PostgreSQL schema ${names.schema} (tables ${names.prefix}*) has version ${version}, newer than this library's ${POSTGRES_SCHEMA_VERSION}; upgrade express-zhichi-pay`,
  );
}

/**
 * Checks that the tables exist at this library's version, without changing anything. Throws a
 * {@link ConfigurationError} telling how to migrate when they do not.
 */
export async function checkPostgresSchema(
  pool: PostgresPool,
  names: PostgresTableNames,
  owner: string,
): Promise<void> {
  const version = await withClient(pool, async (client) => {
    const { rows } = await client.query('SELECT to_regclass($1) AS t', [names.migrations]);
    const exists = (rows[0] as { t: string | null } | undefined)?.t != null;
    return exists ? await schemaVersionOn(client, names) : 0;
  });
  if (version > POSTGRES_SCHEMA_VERSION) throw newerSchemaError(version, names);
  if (version < POSTGRES_SCHEMA_VERSION) {
    throw new ConfigurationError(
      `${owner}: the PostgreSQL tables are at schema version ${version}, this library needs ${POSTGRES_SCHEMA_VERSION}; run migratePostgres(pool or DATABASE_URL${names.schema === 'public' ? '' : `, { schema: '${names.schema}' }`}) once, or pass \`migrate: true\``,
    );
  }
}
