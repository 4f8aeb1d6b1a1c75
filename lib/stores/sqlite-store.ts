import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ConfigurationError, ZhichiError } from '../protocol/errors';
import { Status } from '../protocol/status';
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
import type { RefundClaim, RefundOutcome, RefundRecord, RefundStore } from './refund-store';
import {
  type AttemptRow,
  type NoticeRow,
  type RefundRow,
  toAttempt,
  toNotice,
  toRefund,
} from './store-rows';

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * The database file; its directory is created if missing. Every process that shares notices
   * or refunds must open the same file on the same machine (SQLite locks do not work over
   * network file systems).
   */
  path: string;
  /**
   * How long a write waits for another connection's lock before failing, in milliseconds.
   * better-sqlite3 is synchronous, so this wait blocks the event loop: keep it short.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * How long a finished refund is remembered, in milliseconds.
   * @default 86_400_000 (24 hours)
   */
  refundRetentionMs?: number;
  /**
   * Opens the file read-only (to inspect an outbox, say): nothing is created or migrated, and
   * every write rejects with a {@link SqliteStoreError}. The file must exist.
   * @default false
   */
  readonly?: boolean;
}

/** Why a SQLite operation most likely failed, from its error code, in words for the operator. */
function likelyCause(code: string | undefined, busyTimeoutMs: number): string {
  if (code === undefined) return 'an unexpected error';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return `the database is locked: another connection or process held a write transaction for longer than busyTimeoutMs (${busyTimeoutMs} ms)`;
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return 'the database is read-only (opened read-only, or the file or its directory is not writable)';
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return 'the file cannot be opened or created (missing directory, permissions, or a read-only file that does not exist)';
  }
  if (code === 'SQLITE_FULL') return 'the disk is full';
  if (code.startsWith('SQLITE_IOERR')) return 'a disk I/O error';
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return 'the file is not a SQLite database, or it is corrupt';
  }
  if (
    code === 'ENOTDIR' ||
    code === 'EEXIST' ||
    code === 'EACCES' ||
    code === 'EPERM' ||
    code === 'EROFS'
  ) {
    return 'its directory cannot be created (a path component is a file, or no permission)';
  }
  return 'an unexpected database error';
}

/**
 * The SQLite database could not be used: locked beyond `busyTimeoutMs`, read-only, unreadable,
 * full… The message names the file and the likely cause; `sqliteCode` is SQLite's own code
 * (`SQLITE_BUSY`, `SQLITE_READONLY`…) and `cause` the original error. When it rejects
 * `notifyPaymentSuccess`, the notice was **not** stored.
 */
export class SqliteStoreError extends ZhichiError {
  readonly databasePath: string;
  readonly sqliteCode: string | undefined;

  constructor(databasePath: string, action: string, cause: unknown, busyTimeoutMs: number) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    const sqliteCode = typeof code === 'string' ? code : undefined;
    const original = (cause as Error | undefined)?.message ?? String(cause);
    super(
      `SqliteStore: could not ${action} in "${databasePath}": ${likelyCause(sqliteCode, busyTimeoutMs)} (${sqliteCode ?? 'error'}: ${original})`,
      'STORE_UNAVAILABLE',
      Status.INTERNAL_ERROR,
      { cause },
    );
    this.databasePath = databasePath;
    this.sqliteCode = sqliteCode;
  }
}

/** Errors that concern the database as a whole, not one row: retrying row by row is useless. */
function isDatabaseWide(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    typeof code === 'string' &&
    /^SQLITE_(BUSY|LOCKED|READONLY|CANTOPEN|FULL|IOERR|NOTADB|CORRUPT|PERM|AUTH)/.test(code)
  );
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS zhichi_notices (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL,
  order_id TEXT NOT NULL,
  transaction_id TEXT NOT NULL,
  order_type INTEGER NOT NULL,
  url TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempt_count INTEGER NOT NULL DEFAULT 0,
  attempts_before_requeue INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_token TEXT,
  lease_until INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  delivered_at INTEGER,
  last_error TEXT,
  UNIQUE (app_id, order_id)
);
-- Due order (next_attempt_at, then created_at) straight from the index: claimDue and nextDueAt
-- read a few rows, not every pending one (zhichi_notices_due lacked created_at: claims sorted
-- all due rows, nextDueAt scanned all pending ones).
DROP INDEX IF EXISTS zhichi_notices_due;
CREATE INDEX IF NOT EXISTS zhichi_notices_due_order
  ON zhichi_notices (state, next_attempt_at, created_at);
CREATE INDEX IF NOT EXISTS zhichi_notices_leased
  ON zhichi_notices (lease_until) WHERE lease_until IS NOT NULL;
CREATE TABLE IF NOT EXISTS zhichi_notice_attempts (
  notice_id TEXT NOT NULL REFERENCES zhichi_notices (id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  http_status INTEGER,
  detail TEXT NOT NULL,
  owner TEXT NOT NULL,
  PRIMARY KEY (notice_id, number)
);
CREATE TABLE IF NOT EXISTS zhichi_refunds (
  key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
  outcome TEXT,
  token TEXT NOT NULL,
  lease_until INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
`;

type InsertResult = { inserted: boolean; notice: NoticeRecord };

interface PendingInsert {
  notice: NewNotice;
  resolve(result: InsertResult): void;
  reject(error: unknown): void;
}

/**
 * The embedded durable store: one SQLite file (WAL mode) holding the notifier's outbox and the
 * refund idempotency records in separate tables. Several processes on one machine may open the
 * same file; claims are atomic across them (each is one write transaction).
 */
export class SqliteStore implements NoticeStore, RefundStore {
  /** The open database, for inspection; do not write to the `zhichi_` tables directly. */
  readonly db: Database.Database;
  private readonly refundRetentionMs: number;
  private lastRefundPrune = 0;
  private readonly statements = new Map<string, Database.Statement>();
  /** The file, as given (for error messages). */
  readonly path: string;
  private readonly busyTimeoutMs: number;

  constructor(options: SqliteStoreOptions) {
    if (typeof options?.path !== 'string' || options.path.trim() === '') {
      throw new ConfigurationError(
        'SqliteStore: `path` must be the database file to use, such as ".data/zhichi-pay.sqlite"',
      );
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new ConfigurationError(
        'SqliteStore: `busyTimeoutMs` must be a whole number of milliseconds, 0 or more',
      );
    }
    this.refundRetentionMs = options.refundRetentionMs ?? 86_400_000;
    if (!(this.refundRetentionMs > 0)) {
      throw new ConfigurationError(
        'SqliteStore: `refundRetentionMs` must be a positive number of milliseconds',
      );
    }
    this.path = options.path;
    this.busyTimeoutMs = busyTimeoutMs;
    const readonly = options.readonly === true;
    let db: Database.Database | undefined;
    try {
      if (options.path !== ':memory:' && !readonly)
        mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
      db = new Database(options.path, {
        timeout: busyTimeoutMs,
        readonly,
        fileMustExist: readonly,
      });
      if (!readonly) {
        db.pragma('journal_mode = WAL');
        // FULL: an accepted notice survives a power cut too, not only a crash of the process.
        db.pragma('synchronous = FULL');
      }
      db.pragma('foreign_keys = ON');
      this.db = db;
      if (readonly) this.checkVersion();
      else this.migrate();
    } catch (error) {
      if (db?.open) db.close();
      if (error instanceof ZhichiError) throw error;
      throw new SqliteStoreError(options.path, 'open the database', error, busyTimeoutMs);
    }
  }

  private checkVersion(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version !== SCHEMA_VERSION) {
      throw new ConfigurationError(
        `SqliteStore: the database "${this.path}" has schema version ${version}, not this library's ${SCHEMA_VERSION}; a read-only store cannot migrate it`,
      );
    }
  }

  /** Runs `fn`, turning a SQLite failure into a {@link SqliteStoreError}. */
  private guard<T>(action: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw this.failure(action, error);
    }
  }

  /** `error` as a {@link SqliteStoreError} naming this file and the likely cause. */
  private failure(action: string, error: unknown): unknown {
    if (error instanceof ZhichiError || !(error as { code?: unknown })?.code) return error;
    return new SqliteStoreError(this.path, action, error, this.busyTimeoutMs);
  }

  private migrate(): void {
    this.db
      .transaction(() => {
        const version = this.db.pragma('user_version', { simple: true }) as number;
        if (version > SCHEMA_VERSION) {
          throw new ConfigurationError(
            `SqliteStore: the database has schema version ${version}, newer than this library's ${SCHEMA_VERSION}; upgrade express-zhichi-pay`,
          );
        }
        this.db.exec(SCHEMA);
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })
      .immediate();
  }

  /** A prepared statement, compiled once per connection. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Closes the database. Further calls fail. */
  async close(): Promise<void> {
    // Inserts already handed to us are committed, not dropped.
    if (this.db.open) this.flushInserts();
    if (this.db.open) this.db.close();
  }

  // --- NoticeStore ---

  /**
   * Stores a notice. Inserts arriving together (concurrent callers) are committed in one
   * transaction — one fsync for the group instead of one each — and each caller's promise
   * resolves only after that commit.
   */
  insertNotice(notice: NewNotice): Promise<{ inserted: boolean; notice: NoticeRecord }> {
    return new Promise((resolve, reject) => {
      this.pendingInserts.push({ notice, resolve, reject });
      if (this.pendingInserts.length === 1) setImmediate(() => this.flushInserts());
    });
  }

  private pendingInserts: PendingInsert[] = [];

  private flushInserts(): void {
    const batch = this.pendingInserts;
    this.pendingInserts = [];
    if (batch.length === 0) return;
    try {
      const results = this.db
        .transaction(() => batch.map((b) => this.insertOne(b.notice)))
        .immediate();
      for (const [i, b] of batch.entries()) b.resolve(results[i] as InsertResult);
    } catch (error) {
      if (batch.length === 1 || isDatabaseWide(error)) {
        // Locked, read-only, full…: every insert of the group fails alike (and retrying each
        // alone would block the event loop for busyTimeoutMs per insert). Nothing was stored.
        const failure = this.failure('store the payment-success notice', error);
        for (const b of batch) b.reject(failure);
        return;
      }
      // One bad insert must not fail its neighbours: retry each on its own.
      for (const b of batch) {
        try {
          b.resolve(this.db.transaction(() => this.insertOne(b.notice)).immediate());
        } catch (e) {
          b.reject(this.failure('store the payment-success notice', e));
        }
      }
    }
  }

  private insertOne(notice: NewNotice): InsertResult {
    const info = this.sql(
      `INSERT INTO zhichi_notices (id, app_id, order_id, transaction_id, order_type, url, body,
           state, next_attempt_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
         ON CONFLICT (app_id, order_id) DO NOTHING`,
    ).run(
      notice.id,
      notice.appId,
      notice.orderId,
      notice.transactionId,
      notice.orderType,
      notice.url,
      notice.body,
      notice.nextAttemptAt,
      notice.createdAt,
      notice.createdAt,
    );
    const row = this.sql('SELECT * FROM zhichi_notices WHERE app_id = ? AND order_id = ?').get(
      notice.appId,
      notice.orderId,
    ) as NoticeRow<number>;
    return { inserted: info.changes === 1, notice: toNotice(row) };
  }

  async getNotice(id: string): Promise<NoticeWithHistory | undefined> {
    return this.db.transaction(() => {
      const row = this.sql('SELECT * FROM zhichi_notices WHERE id = ?').get(id) as
        | NoticeRow
        | undefined;
      if (!row) return undefined;
      const attempts = this.sql(
        'SELECT * FROM zhichi_notice_attempts WHERE notice_id = ? ORDER BY number',
      ).all(id) as AttemptRow<number>[];
      return { ...toNotice(row), history: attempts.map(toAttempt) };
    })();
  }

  async findNoticeByOrder(appId: string, orderId: string): Promise<NoticeRecord | undefined> {
    const row = this.sql('SELECT * FROM zhichi_notices WHERE app_id = ? AND order_id = ?').get(
      appId,
      orderId,
    ) as NoticeRow<number> | undefined;
    return row && toNotice(row);
  }

  async claimDue(
    now: number,
    limit: number,
    leaseMs: number,
    owner: string,
  ): Promise<ClaimedNotice[]> {
    const token = randomUUID();
    // One UPDATE in an IMMEDIATE transaction: the write lock is taken before the rows are
    // chosen, so two processes can never both see a notice's lease as expired.
    const rows = this.guard('claim due notices', () =>
      this.db
        .transaction(
          () =>
            this.sql(
              `UPDATE zhichi_notices SET lease_owner = ?, lease_token = ?, lease_until = ?
               WHERE id IN (
                 SELECT id FROM zhichi_notices
                 WHERE state = 'pending' AND next_attempt_at <= ?
                   AND (lease_until IS NULL OR lease_until <= ?)
                 ORDER BY next_attempt_at, created_at
                 LIMIT ?)
               RETURNING *`,
            ).all(owner, token, now + leaseMs, now, now, Math.max(0, limit)) as NoticeRow<number>[],
        )
        .immediate(),
    );
    return rows
      .sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.created_at - b.created_at)
      .map((row) => ({ notice: toNotice(row), token }));
  }

  async recordAttempt(
    id: string,
    token: string,
    attempt: NoticeAttempt,
    next: NoticeTransition,
    now: number,
  ): Promise<boolean> {
    return this.guard('record a notice attempt', () =>
      this.db
        .transaction(() => {
          const row = this.sql(
            "SELECT attempt_count, next_attempt_at FROM zhichi_notices WHERE id = ? AND lease_token = ? AND state = 'pending'",
          ).get(id, token) as { attempt_count: number; next_attempt_at: number } | undefined;
          if (!row) return false;
          this.sql(
            `INSERT INTO zhichi_notice_attempts
               (notice_id, number, started_at, finished_at, outcome, http_status, detail, owner)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            id,
            row.attempt_count + 1,
            attempt.startedAt,
            attempt.finishedAt,
            attempt.outcome,
            attempt.httpStatus ?? null,
            attempt.detail,
            attempt.owner,
          );
          this.sql(
            `UPDATE zhichi_notices SET state = ?, attempt_count = attempt_count + 1,
               next_attempt_at = ?, updated_at = ?,
               delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END,
               last_error = CASE WHEN ? = 'delivered' THEN last_error ELSE ? END,
               lease_owner = NULL, lease_token = NULL, lease_until = NULL
             WHERE id = ?`,
          ).run(
            next.state,
            next.state === 'pending' ? next.nextAttemptAt : row.next_attempt_at,
            now,
            next.state,
            now,
            attempt.outcome,
            attempt.detail,
            id,
          );
          return true;
        })
        .immediate(),
    );
  }

  async releaseClaim(id: string, token: string): Promise<boolean> {
    const info = this.sql(
      `UPDATE zhichi_notices SET lease_owner = NULL, lease_token = NULL, lease_until = NULL
         WHERE id = ? AND lease_token = ?`,
    ).run(id, token);
    return info.changes === 1;
  }

  async requeueNotice(id: string, now: number): Promise<NoticeRecord | undefined> {
    return this.db
      .transaction(() => {
        this.sql(
          `UPDATE zhichi_notices SET state = 'pending', next_attempt_at = ?, updated_at = ?,
               attempts_before_requeue = attempt_count
             WHERE id = ? AND state = 'dead'`,
        ).run(now, now, id);
        const row = this.sql('SELECT * FROM zhichi_notices WHERE id = ?').get(id) as
          | NoticeRow
          | undefined;
        return row && toNotice(row);
      })
      .immediate();
  }

  async nextDueAt(): Promise<number | undefined> {
    // The first unleased pending notice in due order, and the few leased ones: both through an
    // index, however many notices are pending.
    const row = this.sql(
      `SELECT MIN(at) AS at FROM (
         SELECT at FROM (SELECT next_attempt_at AS at FROM zhichi_notices
           WHERE state = 'pending' AND lease_until IS NULL ORDER BY next_attempt_at LIMIT 1)
         UNION ALL
         SELECT MAX(next_attempt_at, lease_until) AS at FROM zhichi_notices
           WHERE lease_until IS NOT NULL AND +state = 'pending')`,
    ).get() as { at: number | null };
    return row.at ?? undefined;
  }

  async listNotices(query: NoticeQuery = {}): Promise<NoticeRecord[]> {
    const rows = this.sql(
      `SELECT * FROM zhichi_notices
         WHERE (@state IS NULL OR state = @state) AND (@appId IS NULL OR app_id = @appId)
         ORDER BY created_at, id LIMIT @limit`,
    ).all({
      state: query.state ?? null,
      appId: query.appId ?? null,
      limit: query.limit ?? 100,
    }) as NoticeRow<number>[];
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
    return this.db
      .transaction((): RefundClaim => {
        const existing = this.sql('SELECT * FROM zhichi_refunds WHERE key = ?').get(key) as
          | RefundRow<number>
          | undefined;
        if (existing && !(existing.state === 'pending' && existing.lease_until <= now)) {
          return { claimed: false, record: toRefund(existing) };
        }
        const token = randomUUID();
        this.sql(
          `INSERT INTO zhichi_refunds
               (key, fingerprint, state, outcome, token, lease_until, created_at, updated_at)
             VALUES (?, ?, 'pending', NULL, ?, ?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint,
               state = 'pending', outcome = NULL, token = excluded.token,
               lease_until = excluded.lease_until, updated_at = excluded.updated_at`,
        ).run(key, fingerprint, token, now + leaseMs, now, now);
        return { claimed: true, token };
      })
      .immediate();
  }

  async completeRefund(
    key: string,
    token: string,
    outcome: RefundOutcome,
    now: number,
  ): Promise<boolean> {
    const info = this.sql(
      `UPDATE zhichi_refunds SET state = 'done', outcome = ?, updated_at = ?
         WHERE key = ? AND token = ?`,
    ).run(JSON.stringify(outcome), now, key, token);
    return info.changes === 1;
  }

  async releaseRefund(key: string, token: string): Promise<boolean> {
    const info = this.sql('DELETE FROM zhichi_refunds WHERE key = ? AND token = ?').run(key, token);
    return info.changes === 1;
  }

  async getRefund(key: string): Promise<RefundRecord | undefined> {
    const row = this.sql('SELECT * FROM zhichi_refunds WHERE key = ?').get(key) as
      | RefundRow<number>
      | undefined;
    return row && toRefund(row);
  }

  /** Forgets finished refunds older than the retention, at most once a minute. */
  private pruneRefunds(now: number): void {
    if (now - this.lastRefundPrune < 60_000) return;
    this.lastRefundPrune = now;
    this.sql("DELETE FROM zhichi_refunds WHERE state = 'done' AND updated_at < ?").run(
      now - this.refundRetentionMs,
    );
  }
}
