import { randomUUID } from 'node:crypto';
import { ConfigurationError } from '../protocol/errors';
import type {
  ClaimedNotice,
  NewNotice,
  NoticeAttempt,
  NoticeQuery,
  NoticeRecord,
  NoticeStore,
  NoticeTransition,
  NoticeWithHistory,
} from './notice-store';
import { checkPostgresSchema, migratePostgres } from './postgres-migrations';
import {
  createOwnPool,
  inTransaction,
  type PostgresClient,
  type PostgresPool,
  type PostgresRetryOptions,
  type PostgresRetryPolicy,
  type PostgresTableNames,
  resolveRetryPolicy,
  tableNames,
  withClient,
  withRetry,
} from './postgres-support';
import type { RefundClaim, RefundOutcome, RefundRecord, RefundStore } from './refund-store';
import {
  type AttemptRow,
  type Int8,
  type NoticeRow,
  num,
  type RefundRow,
  toAttempt,
  toNotice,
  toRefund,
} from './store-rows';

/** Options of {@link PostgresStore}. Give `pool` or `connectionString`. */
export interface PostgresStoreOptions {
  /**
   * A `pg.Pool` to use. It is yours: `close()` leaves it open. Give it an `error` listener
   * (`pool.on('error', …)`), as node-postgres asks, or a server restart crashes the process.
   */
  pool?: PostgresPool;
  /**
   * A PostgreSQL URL such as `postgres://user:pass@db.internal:5432/shop`, used when no `pool`
   * is given: a pool is made with the `pg` package (install it: it is an optional peer
   * dependency) and closed by `close()`.
   */
  connectionString?: string;
  /**
   * Connections of the pool made from `connectionString`.
   * @default 10
   */
  poolSize?: number;
  /**
   * How long getting a connection of the pool made from `connectionString` may take, in
   * milliseconds, before it fails (and is retried as a transient error).
   * @default 10_000
   */
  connectTimeoutMs?: number;
  /**
   * The schema holding the tables (created by the migration if missing).
   * @default 'public'
   */
  schema?: string;
  /**
   * Put before every table name: `zhichi_notices`, `zhichi_notice_attempts`, `zhichi_refunds`,
   * `zhichi_schema_migrations`.
   * @default 'zhichi_'
   */
  tablePrefix?: string;
  /**
   * Create or upgrade the tables on first use (see {@link migratePostgres}; safe when several
   * instances start at once). When false, the first use checks the schema version and fails
   * with a message saying how to migrate.
   * @default false
   */
  migrate?: boolean;
  /**
   * Retries after a transient error: connection refused, reset or lost, server shutting down,
   * serialization failure or deadlock. Every write is one transaction and checks for its own
   * earlier effect when retried, so a retry never applies a write twice.
   * @default { retries: 6, baseDelayMs: 50, maxDelayMs: 2000 }
   */
  retry?: PostgresRetryOptions;
  /**
   * How long a finished refund is remembered, in milliseconds.
   * @default 86_400_000 (24 hours)
   */
  refundRetentionMs?: number;
  /**
   * Told about errors of idle connections of the pool made from `connectionString` (the server
   * closed them; the pool replaces them).
   * @default ignore them
   */
  onIdleError?: (error: Error) => void;
}

/** PostgreSQL text cannot hold NUL characters; a diagnostic text loses them rather than fail. */
const withoutNul = (text: string) => text.replaceAll('\u0000', '\uFFFD');

/** A row changed under a statement in a way READ COMMITTED allows: retried like a serialization failure. */
const raceLost = (operation: string) =>
  Object.assign(new Error(`PostgresStore.${operation}: the row changed concurrently; retrying`), {
    code: '40001',
  });

const byDue = (a: NoticeRecord, b: NoticeRecord) =>
  a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1);

/**
 * The shared durable store: the notifier's outbox and the refund idempotency records in
 * PostgreSQL, for several app instances (processes, machines) behind a load balancer. Claims
 * are atomic across all of them: notices are leased with `SELECT … FOR UPDATE SKIP LOCKED`
 * plus a lease expiry, refunds with `INSERT … ON CONFLICT`. Needs the `pg` package, or a pool.
 */
export class PostgresStore implements NoticeStore, RefundStore {
  /** The pool in use, for inspection; do not write to the store's tables directly. */
  readonly pool: PostgresPool;
  private readonly ownPool: boolean;
  private readonly names: PostgresTableNames;
  private readonly retry: PostgresRetryPolicy;
  private readonly migrateOnStart: boolean;
  private readonly refundRetentionMs: number;
  private readiness?: Promise<void>;
  private lastRefundPrune = Number.NEGATIVE_INFINITY;
  private pruning: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    const owner = 'PostgresStore';
    if (typeof options !== 'object' || options === null) {
      throw new ConfigurationError(`${owner}: give options with \`pool\` or \`connectionString\``);
    }
    this.names = tableNames(options.schema, options.tablePrefix, owner);
    this.retry = resolveRetryPolicy(options.retry, owner);
    this.migrateOnStart = options.migrate ?? false;
    this.refundRetentionMs = options.refundRetentionMs ?? 86_400_000;
    if (!(this.refundRetentionMs > 0)) {
      throw new ConfigurationError(
        `${owner}: \`refundRetentionMs\` must be a positive number of milliseconds`,
      );
    }
    if (options.pool !== undefined && options.connectionString !== undefined) {
      throw new ConfigurationError(`${owner}: give \`pool\` or \`connectionString\`, not both`);
    }
    if (options.pool !== undefined) {
      if (typeof options.pool?.connect !== 'function') {
        throw new ConfigurationError(`${owner}: \`pool\` must be a pg.Pool`);
      }
      this.pool = options.pool;
      this.ownPool = false;
    } else if (
      typeof options.connectionString === 'string' &&
      options.connectionString.trim() !== ''
    ) {
      const poolSize = options.poolSize ?? 10;
      if (!Number.isInteger(poolSize) || poolSize < 1) {
        throw new ConfigurationError(`${owner}: \`poolSize\` must be a whole number, 1 or more`);
      }
      const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
      if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1) {
        throw new ConfigurationError(
          `${owner}: \`connectTimeoutMs\` must be a whole number of milliseconds, 1 or more`,
        );
      }
      this.pool = createOwnPool(
        {
          connectionString: options.connectionString,
          max: poolSize,
          connectTimeoutMs,
          onIdleError: options.onIdleError ?? (() => {}),
        },
        owner,
      );
      this.ownPool = true;
    } else {
      throw new ConfigurationError(
        `${owner}: give \`pool\` (a pg.Pool) or \`connectionString\` (such as process.env.DATABASE_URL)`,
      );
    }
  }

  /**
   * Creates or upgrades the tables now (see {@link migratePostgres}); what the `migrate`
   * option does on first use.
   */
  async migrate(): Promise<number[]> {
    const { applied } = await migratePostgres(this.pool, {
      schema: this.names.schema,
      tablePrefix: this.names.prefix,
      retry: this.retry,
    });
    this.readiness = Promise.resolve();
    return applied;
  }

  /**
   * Resolves once the store can be used: migrated (with `migrate: true`) or checked. Every
   * method waits for it; call it at start-up to fail early.
   */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('PostgresStore: the store is closed'));
    return this.prepare();
  }

  private prepare(): Promise<void> {
    this.readiness ??= (
      this.migrateOnStart
        ? this.migrate().then(() => {})
        : withRetry(this.retry, () => checkPostgresSchema(this.pool, this.names, 'PostgresStore'))
    ).catch((error: unknown) => {
      // Not remembered: the next call tries again (the database may come back).
      this.readiness = undefined;
      throw error;
    });
    return this.readiness;
  }

  /** Ends the pool made from `connectionString` (a `pool` you gave is left open). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pruning;
    if (this.ownPool) await this.pool.end();
  }

  /** One retried transaction; `body` learns whether an earlier try may have committed. */
  private async write<T>(
    body: (client: PostgresClient, retrying: boolean) => Promise<T>,
  ): Promise<T> {
    await this.ready();
    return withRetry(this.retry, (retrying) =>
      inTransaction(this.pool, (client) => body(client, retrying)),
    );
  }

  /** One retried read statement. */
  private async read<R>(text: string, values: unknown[] = [], evenIfClosed = false): Promise<R[]> {
    await (evenIfClosed ? this.prepare() : this.ready());
    return withRetry(this.retry, () =>
      withClient(this.pool, async (client) => (await client.query(text, values)).rows as R[]),
    );
  }

  // --- NoticeStore ---

  async insertNotice(notice: NewNotice): Promise<{ inserted: boolean; notice: NoticeRecord }> {
    const t = this.names.notices;
    return this.write(async (client, retrying) => {
      // Durable at commit even where the server's default is asynchronous commit.
      await client.query('SET LOCAL synchronous_commit = on');
      const { rows } = await client.query(
        `INSERT INTO ${t} (id, app_id, order_id, transaction_id, order_type, url, body,
           state, next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $9)
         ON CONFLICT (app_id, order_id) DO NOTHING
         RETURNING *`,
        [
          notice.id,
          notice.appId,
          notice.orderId,
          notice.transactionId,
          notice.orderType,
          notice.url,
          notice.body,
          notice.nextAttemptAt,
          notice.createdAt,
        ],
      );
      if (rows[0]) return { inserted: true, notice: toNotice(rows[0] as NoticeRow) };
      const existing = await client.query(
        `SELECT * FROM ${t} WHERE app_id = $1 AND order_id = $2`,
        [notice.appId, notice.orderId],
      );
      const row = existing.rows[0] as NoticeRow | undefined;
      if (!row) throw raceLost('insertNotice');
      // A retry after a commit whose acknowledgement was lost finds its own notice.
      return { inserted: retrying && row.id === notice.id, notice: toNotice(row) };
    });
  }

  async getNotice(id: string): Promise<NoticeWithHistory | undefined> {
    // One statement, so the notice and its history come from one snapshot.
    const rows = await this.read<NoticeRow & { history: AttemptRow[] }>(
      `SELECT n.*, COALESCE(
         (SELECT json_agg(json_build_object('number', a.number, 'started_at', a.started_at,
            'finished_at', a.finished_at, 'outcome', a.outcome, 'http_status', a.http_status,
            'detail', a.detail, 'owner', a.owner) ORDER BY a.number)
          FROM ${this.names.attempts} a WHERE a.notice_id = n.id),
         '[]'::json) AS history
       FROM ${this.names.notices} n WHERE n.id = $1`,
      [id],
    );
    const row = rows[0];
    return row && { ...toNotice(row), history: row.history.map(toAttempt) };
  }

  async findNoticeByOrder(appId: string, orderId: string): Promise<NoticeRecord | undefined> {
    const rows = await this.read<NoticeRow>(
      `SELECT * FROM ${this.names.notices} WHERE app_id = $1 AND order_id = $2`,
      [appId, orderId],
    );
    return rows[0] && toNotice(rows[0]);
  }

  async claimDue(
    now: number,
    limit: number,
    leaseMs: number,
    owner: string,
  ): Promise<ClaimedNotice[]> {
    const t = this.names.notices;
    const max = Math.max(0, Math.floor(limit));
    // One token for this call, chosen before any try, so a retry recognises its own claims.
    const token = randomUUID();
    const rows = await this.write(async (client, retrying) => {
      const held: NoticeRow[] = [];
      if (retrying) {
        const mine = await client.query(
          `SELECT * FROM ${t} WHERE lease_token = $1 AND state = 'pending' FOR UPDATE`,
          [token],
        );
        held.push(...(mine.rows as NoticeRow[]));
      }
      if (held.length >= max) return held;
      // Rows another transaction is claiming are skipped, not waited for; a row claimed and
      // committed meanwhile is re-checked against the WHERE clause and left out.
      const { rows } = await client.query(
        `WITH due AS (
           SELECT id FROM ${t}
           WHERE state = 'pending' AND next_attempt_at <= $1
             AND (lease_until IS NULL OR lease_until <= $1)
           ORDER BY next_attempt_at, created_at, id
           LIMIT $2
           FOR UPDATE SKIP LOCKED)
         UPDATE ${t} AS n SET lease_owner = $3, lease_token = $4, lease_until = $5
         FROM due WHERE n.id = due.id
         RETURNING n.*`,
        [now, max - held.length, owner, token, now + leaseMs],
      );
      return [...held, ...(rows as NoticeRow[])];
    });
    return rows
      .map(toNotice)
      .sort(byDue)
      .map((notice) => ({ notice, token }));
  }

  async recordAttempt(
    id: string,
    token: string,
    attempt: NoticeAttempt,
    next: NoticeTransition,
    now: number,
  ): Promise<boolean> {
    const detail = withoutNul(attempt.detail);
    return this.write(async (client, retrying) => {
      const { rows } = await client.query(
        `UPDATE ${this.names.notices} SET state = $3, attempt_count = attempt_count + 1,
           next_attempt_at = COALESCE($4, next_attempt_at), updated_at = $5,
           delivered_at = CASE WHEN $3 = 'delivered' THEN $5 ELSE delivered_at END,
           last_error = CASE WHEN $6 = 'delivered' THEN last_error ELSE $7 END,
           lease_owner = NULL, lease_token = NULL, lease_until = NULL
         WHERE id = $1 AND lease_token = $2 AND state = 'pending'
         RETURNING attempt_count`,
        [
          id,
          token,
          next.state,
          next.state === 'pending' ? next.nextAttemptAt : null,
          now,
          attempt.outcome,
          detail,
        ],
      );
      const updated = rows[0] as { attempt_count: number } | undefined;
      if (!updated) {
        if (!retrying) return false;
        // An earlier try may have committed before its acknowledgement was lost: the attempt
        // it recorded carries this claim's token. Each token records one attempt per notice.
        const earlier = await client.query(
          `SELECT 1 FROM ${this.names.attempts} WHERE notice_id = $1 AND claim_token = $2`,
          [id, token],
        );
        return earlier.rows.length > 0;
      }
      await client.query(
        `INSERT INTO ${this.names.attempts}
           (notice_id, number, started_at, finished_at, outcome, http_status, detail, owner,
            claim_token)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          id,
          updated.attempt_count,
          attempt.startedAt,
          attempt.finishedAt,
          attempt.outcome,
          attempt.httpStatus ?? null,
          detail,
          attempt.owner,
          token,
        ],
      );
      return true;
    });
  }

  async releaseClaim(id: string, token: string): Promise<boolean> {
    return this.write(async (client, retrying) => {
      const { rows } = await client.query(
        `UPDATE ${this.names.notices} SET lease_owner = NULL, lease_token = NULL, lease_until = NULL
         WHERE id = $1 AND lease_token = $2 RETURNING id`,
        [id, token],
      );
      if (rows.length > 0 || !retrying) return rows.length > 0;
      // After a lost acknowledgement: released by the earlier try if nobody holds it now.
      const now = await client.query(
        `SELECT 1 FROM ${this.names.notices} WHERE id = $1 AND lease_token IS NULL`,
        [id],
      );
      return now.rows.length > 0;
    });
  }

  async requeueNotice(id: string, now: number): Promise<NoticeRecord | undefined> {
    const t = this.names.notices;
    return this.write(async (client) => {
      const { rows } = await client.query(
        `UPDATE ${t} SET state = 'pending', next_attempt_at = $2, updated_at = $2,
           attempts_before_requeue = attempt_count
         WHERE id = $1 AND state = 'dead' RETURNING *`,
        [id, now],
      );
      if (rows[0]) return toNotice(rows[0] as NoticeRow);
      const existing = await client.query(`SELECT * FROM ${t} WHERE id = $1`, [id]);
      const row = existing.rows[0] as NoticeRow | undefined;
      return row && toNotice(row);
    });
  }

  async nextDueAt(): Promise<number | undefined> {
    const [row] = await this.read<{ at: Int8 | null }>(
      `SELECT MIN(GREATEST(next_attempt_at, COALESCE(lease_until, 0))) AS at
       FROM ${this.names.notices} WHERE state = 'pending'`,
    );
    return row?.at == null ? undefined : num(row.at);
  }

  async listNotices(query: NoticeQuery = {}): Promise<NoticeRecord[]> {
    const rows = await this.read<NoticeRow>(
      `SELECT * FROM ${this.names.notices}
       WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR app_id = $2)
       ORDER BY created_at, id LIMIT $3`,
      [query.state ?? null, query.appId ?? null, Math.max(0, Math.floor(query.limit ?? 100))],
    );
    return rows.map(toNotice);
  }

  // --- RefundStore ---

  async claimRefund(
    key: string,
    fingerprint: string,
    now: number,
    leaseMs: number,
  ): Promise<RefundClaim> {
    this.pruneRefunds(now);
    const t = this.names.refunds;
    // Chosen before any try, so a retry recognises a claim its earlier try committed.
    const token = randomUUID();
    return this.write(async (client, retrying): Promise<RefundClaim> => {
      if (retrying) {
        const mine = await client.query(`SELECT token FROM ${t} WHERE key = $1`, [key]);
        if ((mine.rows[0] as { token: string } | undefined)?.token === token) {
          return { claimed: true, token };
        }
      }
      // The unique key decides: of concurrent inserts one wins, the others see its row (and
      // take it over only when it is pending with an expired lease).
      const { rows } = await client.query(
        `INSERT INTO ${t} AS r (key, fingerprint, state, outcome, token, lease_until, created_at,
           updated_at)
         VALUES ($1, $2, 'pending', NULL, $3, $4, $5, $5)
         ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, state = 'pending',
           outcome = NULL, token = EXCLUDED.token, lease_until = EXCLUDED.lease_until,
           updated_at = EXCLUDED.updated_at
         WHERE r.state = 'pending' AND r.lease_until <= $5
         RETURNING token`,
        [key, fingerprint, token, now + leaseMs, now],
      );
      if (rows.length > 0) return { claimed: true, token };
      const existing = await client.query(`SELECT * FROM ${t} WHERE key = $1`, [key]);
      const row = existing.rows[0] as RefundRow | undefined;
      // Released by its owner between our insert and this read: try again from the start.
      if (!row) throw raceLost('claimRefund');
      return { claimed: false, record: toRefund(row) };
    });
  }

  async completeRefund(
    key: string,
    token: string,
    outcome: RefundOutcome,
    now: number,
  ): Promise<boolean> {
    // Naturally idempotent: a retry writes the same outcome under the same token.
    return this.write(async (client) => {
      const { rowCount } = await client.query(
        `UPDATE ${this.names.refunds} SET state = 'done', outcome = $3, updated_at = $4
         WHERE key = $1 AND token = $2`,
        [key, token, JSON.stringify(outcome), now],
      );
      return rowCount === 1;
    });
  }

  async releaseRefund(key: string, token: string): Promise<boolean> {
    return this.write(async (client, retrying) => {
      const { rowCount } = await client.query(
        `DELETE FROM ${this.names.refunds} WHERE key = $1 AND token = $2`,
        [key, token],
      );
      if (rowCount === 1 || !retrying) return rowCount === 1;
      // After a lost acknowledgement: deleted by the earlier try if nobody claimed it since.
      const now = await client.query(`SELECT 1 FROM ${this.names.refunds} WHERE key = $1`, [key]);
      return now.rows.length === 0;
    });
  }

  async getRefund(key: string): Promise<RefundRecord | undefined> {
    const rows = await this.read<RefundRow>(`SELECT * FROM ${this.names.refunds} WHERE key = $1`, [
      key,
    ]);
    return rows[0] && toRefund(rows[0]);
  }

  /**
   * Forgets finished refunds older than the retention, at most once a minute, in the background
   * (`close()` waits for it).
   */
  private pruneRefunds(now: number): void {
    if (now - this.lastRefundPrune < 60_000 || this.closed) return;
    this.lastRefundPrune = now;
    const sql = `DELETE FROM ${this.names.refunds} WHERE state = 'done' AND updated_at < $1`;
    this.pruning = this.pruning
      .then(() => this.read(sql, [now - this.refundRetentionMs], true))
      .then(
        () => {},
        () => {
          // Best effort: the next prune tries again.
        },
      );
  }
}
