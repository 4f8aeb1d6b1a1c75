import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { ConfigurationError } from '../../lib/protocol/errors';
import { migratePostgres, POSTGRES_SCHEMA_VERSION } from '../../lib/stores/postgres-migrations';
import { PostgresStore } from '../../lib/stores/postgres-store';
import {
  isTransientPostgresError,
  postgresRetryDelay,
  resolveRetryPolicy,
} from '../../lib/stores/postgres-support';
import { connectionLost, FlakyPool, sqlError } from '../helpers/flaky-pool';
import { testPostgres } from '../helpers/postgres';
import { attempt, newNotice } from './store-contract';

const root = path.resolve(__dirname, '..', '..');

describe('postgresRetryDelay', () => {
  const policy = { baseDelayMs: 50, maxDelayMs: 2000 };

  it('doubles from the base delay up to the cap, with equal jitter', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => postgresRetryDelay(n, policy, 0.999999)),
      [50, 100, 200, 400, 800, 1600, 2000, 2000],
    );
    assert.deepEqual(
      [1, 2, 3, 7].map((n) => postgresRetryDelay(n, policy, 0)),
      [25, 50, 100, 1000],
    );
    assert.equal(postgresRetryDelay(3, policy, 0.5), 150);
  });

  it('stays finite and in range for any input', () => {
    assert.equal(postgresRetryDelay(0, policy, 1), 50);
    assert.equal(postgresRetryDelay(10_000, policy, 2), 2000);
    assert.equal(postgresRetryDelay(2, policy, -1), 50);
    assert.equal(postgresRetryDelay(5, { baseDelayMs: 0, maxDelayMs: 0 }, 0.5), 0);
  });
});

describe('isTransientPostgresError', () => {
  it('retries lost connections, shutdowns, serialization failures and deadlocks', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']) {
      assert.equal(isTransientPostgresError(Object.assign(new Error(code), { code })), true, code);
    }
    for (const code of [
      '57P01',
      '57P02',
      '57P03',
      '08000',
      '08003',
      '08006',
      '08P01',
      '40001',
      '40P01',
      '53300',
    ]) {
      assert.equal(isTransientPostgresError(sqlError(code)), true, code);
    }
    assert.equal(isTransientPostgresError(connectionLost()), true);
    assert.equal(isTransientPostgresError(new Error('Connection terminated')), true);
    assert.equal(
      isTransientPostgresError(new Error('timeout exceeded when trying to connect')),
      true,
    );
    assert.equal(
      isTransientPostgresError(
        new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]),
      ),
      true,
    );
  });

  it('does not retry what a retry cannot fix', () => {
    for (const code of ['23505', '42P01', '42601', '28P01', '3D000', '22P02']) {
      assert.equal(isTransientPostgresError(sqlError(code)), false, code);
    }
    assert.equal(isTransientPostgresError(new Error('boom')), false);
    assert.equal(isTransientPostgresError(undefined), false);
    assert.equal(isTransientPostgresError('ECONNRESET'), false);
  });
});

describe('PostgresStore options', () => {
  it('refuses options without a pool or connection string, or with both, naming them', () => {
    const refuses = (options: unknown, pattern: RegExp) =>
      assert.throws(
        () => new PostgresStore(options as never),
        (e) => e instanceof ConfigurationError && pattern.test(e.message),
      );
    refuses(undefined, /`pool` or `connectionString`/);
    refuses({}, /`pool`.*`connectionString`/);
    refuses({ connectionString: '  ' }, /`connectionString`/);
    refuses({ connectionString: 'postgres://x', pool: {} }, /not both/);
    refuses({ pool: {} }, /`pool` must be a pg.Pool/);
    refuses({ connectionString: 'postgres://x', schema: 'Bad-Name' }, /`schema`/);
    refuses({ connectionString: 'postgres://x', tablePrefix: 'x;drop' }, /`tablePrefix`/);
    refuses({ connectionString: 'postgres://x', poolSize: 0 }, /`poolSize`/);
    refuses({ connectionString: 'postgres://x', retry: { retries: -1 } }, /`retry.retries`/);
    refuses({ connectionString: 'postgres://x', retry: { maxDelayMs: Number.NaN } }, /maxDelayMs/);
    refuses({ connectionString: 'postgres://x', refundRetentionMs: 0 }, /refundRetentionMs/);
  });

  it('has the documented retry defaults', () => {
    const policy = resolveRetryPolicy(undefined, 'x');
    assert.equal(policy.retries, 6);
    assert.equal(policy.baseDelayMs, 50);
    assert.equal(policy.maxDelayMs, 2000);
  });

  it('works without the pg package for users who pass their own pool, and says how to install it', function () {
    this.timeout(20_000);
    // Run the built package in a process where `pg` cannot be found.
    const hideTheModule = `const M = require('node:module'); const r = M._resolveFilename;
      M._resolveFilename = function (request, ...rest) {
        if (request === 'pg') throw Object.assign(new Error("Cannot find module 'pg'"), { code: 'MODULE_NOT_FOUND' });
        return r.call(this, request, ...rest);
      };`;
    const script = `${hideTheModule}
      const main = require('express-zhichi-pay');
      const { PostgresStore } = require('express-zhichi-pay/postgres');
      const store = new PostgresStore({ pool: { connect: async () => { throw new Error('unused'); }, end: async () => {} } });
      let message = '';
      try { new PostgresStore({ connectionString: 'postgres://localhost/x' }); } catch (e) { message = e.name + ': ' + e.message; }
      console.log(JSON.stringify({ router: typeof main.createZhichiRouter, store: typeof store.claimDue, message }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }),
    );
    assert.equal(out.router, 'function');
    assert.equal(out.store, 'function');
    assert.match(out.message, /^ConfigurationError: .*`pg`.*npm install pg/);
  });

  it('is the express-zhichi-pay/postgres entry point, for import and require, with types', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { createRequire } from 'node:module'; import * as m from 'express-zhichi-pay/postgres'; const c = createRequire(import.meta.url)('express-zhichi-pay/postgres'); console.log(typeof m.PostgresStore, typeof m.migratePostgres, m.PostgresStore === c.PostgresStore, m.POSTGRES_SCHEMA_VERSION)",
      ],
      { cwd: root, encoding: 'utf8' },
    ).trim();
    assert.equal(out, `function function true ${POSTGRES_SCHEMA_VERSION}`);
    for (const file of ['dist/postgres.d.ts', 'dist/postgres.d.mts']) {
      assert.ok(existsSync(path.join(root, file)), file);
    }
    // The declarations do not need @types/pg.
    assert.doesNotMatch(
      readFileSync(path.join(root, 'dist/stores/postgres-store.d.ts'), 'utf8'),
      /from 'pg'/,
    );
  });
});

describe('PostgresStore on a real server', () => {
  let url = '';
  let admin: Pool;
  const schemas: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  before(async function () {
    this.timeout(60_000);
    const pg = await testPostgres();
    if ('skip' in pg) {
      console.warn(`    PostgresStore tests skipped: ${pg.skip}`);
      this.skip();
    }
    url = pg.url;
    admin = new Pool({ connectionString: url, max: 2 });
    admin.on('error', () => {});
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    for (const schema of schemas.splice(0)) {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });

  after(async () => {
    await admin?.end();
  });

  function freshSchema(): string {
    const schema = `pgs_${Math.random().toString(36).slice(2, 10)}`;
    schemas.push(schema);
    return schema;
  }

  function pool(max = 4): Pool {
    const p = new Pool({ connectionString: url, max });
    p.on('error', () => {});
    cleanups.push(() => p.end());
    return p;
  }

  function store(options: ConstructorParameters<typeof PostgresStore>[0]): PostgresStore {
    const s = new PostgresStore(options);
    cleanups.push(() => s.close());
    return s;
  }

  describe('migrations', () => {
    it('creates the versioned schema once, with bigint times, and is a no-op after', async () => {
      const schema = freshSchema();
      assert.deepEqual(await migratePostgres(url, { schema }), {
        applied: [1],
        version: POSTGRES_SCHEMA_VERSION,
      });
      assert.deepEqual(await migratePostgres(url, { schema }), {
        applied: [],
        version: POSTGRES_SCHEMA_VERSION,
      });
      const { rows: versions } = await admin.query(
        `SELECT version, description FROM "${schema}".zhichi_schema_migrations`,
      );
      assert.deepEqual(
        versions.map((r) => r.version),
        [1],
      );
      const { rows: columns } = await admin.query(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
         WHERE table_schema = $1 AND (column_name LIKE '%\\_at' OR column_name = 'lease_until')`,
        [schema],
      );
      assert.equal(columns.length, 11);
      for (const c of columns.filter((c) => c.column_name !== 'applied_at')) {
        assert.equal(c.data_type, 'bigint', `${c.table_name}.${c.column_name}`);
      }
      const { rows: tables } = await admin.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
        [schema],
      );
      assert.deepEqual(
        tables.map((t) => t.table_name),
        ['zhichi_notice_attempts', 'zhichi_notices', 'zhichi_refunds', 'zhichi_schema_migrations'],
      );
    });

    it('is safe when several instances migrate at the same moment', async () => {
      const schema = freshSchema();
      const p = pool(8);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => migratePostgres(p, { schema })),
      );
      assert.deepEqual(
        results.flatMap((r) => r.applied),
        [1],
      );
      assert.ok(results.every((r) => r.version === POSTGRES_SCHEMA_VERSION));
      // Stores that migrate at start-up, started together, all come up.
      const stores = Array.from({ length: 3 }, () =>
        store({ connectionString: url, schema, migrate: true, poolSize: 2 }),
      );
      await Promise.all(stores.map((s) => s.ready()));
    });

    it('lets start-up migration create a new schema from nothing', async () => {
      const schema = freshSchema();
      const stores = Array.from({ length: 3 }, () =>
        store({ connectionString: url, schema, migrate: true, poolSize: 2 }),
      );
      const inserted = await Promise.all(
        stores.map((s, i) => s.insertNotice(newNotice({ id: `n${i}`, orderId: `o${i}` }))),
      );
      assert.ok(inserted.every((r) => r.inserted));
      const { rows } = await admin.query(
        `SELECT count(*)::int AS n FROM "${schema}".zhichi_schema_migrations`,
      );
      assert.equal(rows[0].n, 1);
    });

    it('without migrate, fails on first use saying how to migrate, then works once migrated', async () => {
      const schema = freshSchema();
      const s = store({ connectionString: url, schema });
      await assert.rejects(
        s.getNotice('x'),
        (e) =>
          e instanceof ConfigurationError &&
          /schema version 0/.test(e.message) &&
          /migratePostgres/.test(e.message) &&
          /migrate: true/.test(e.message),
      );
      assert.deepEqual(await s.migrate(), [1]);
      assert.equal(await s.getNotice('x'), undefined);
    });

    it('refuses a database migrated by a newer version of the library', async () => {
      const schema = freshSchema();
      await migratePostgres(url, { schema });
      await admin.query(
        `INSERT INTO "${schema}".zhichi_schema_migrations (version, description) VALUES (99, 'future')`,
      );
      await assert.rejects(
        migratePostgres(url, { schema }),
        (e) => e instanceof ConfigurationError && /version 99, newer/.test(e.message),
      );
      const s = store({ connectionString: url, schema });
      await assert.rejects(s.ready(), /version 99, newer/);
    });

    it('keeps tables with another prefix apart, with their own migration record', async () => {
      const schema = freshSchema();
      // At the same moment, into a schema that does not exist yet.
      await Promise.all([
        migratePostgres(url, { schema }),
        migratePostgres(url, { schema, tablePrefix: 'shop2_' }),
      ]);
      const a = store({ connectionString: url, schema });
      const b = store({ connectionString: url, schema, tablePrefix: 'shop2_' });
      await a.insertNotice(newNotice({ id: 'a' }));
      assert.equal(await b.getNotice('a'), undefined);
      assert.equal((await b.insertNotice(newNotice({ id: 'b' }))).inserted, true);
      const { rows } = await admin.query(
        `SELECT count(*)::int AS n FROM "${schema}".shop2_schema_migrations`,
      );
      assert.equal(rows[0].n, 1);
    });
  });

  describe('pools', () => {
    it('uses a pool you give and leaves it open on close()', async () => {
      const schema = freshSchema();
      const p = pool();
      const s = new PostgresStore({ pool: p, schema, migrate: true });
      await s.insertNotice(newNotice({ id: 'a' }));
      await s.close();
      const { rows } = await p.query(`SELECT id FROM "${schema}".zhichi_notices`);
      assert.deepEqual(rows, [{ id: 'a' }]);
      await assert.rejects(s.getNotice('a'), /closed/);
    });

    it('closes the pool it made from a connection string', async () => {
      const schema = freshSchema();
      const s = new PostgresStore({ connectionString: url, schema, migrate: true });
      await s.ready();
      await s.close();
      await assert.rejects(s.pool.connect(), /after calling end|ended/i);
    });
  });

  describe('connection loss', () => {
    async function flakyStore(retries = 4) {
      const schema = freshSchema();
      await migratePostgres(url, { schema });
      const flaky = new FlakyPool(pool());
      const delays: number[] = [];
      const s = store({
        pool: flaky,
        schema,
        retry: {
          retries,
          sleep: async (ms) => {
            delays.push(ms);
          },
        },
      });
      await s.ready();
      return { s, flaky, delays };
    }

    it('retries with backoff through the injected sleep, then gives up with the error', async () => {
      const { s, flaky, delays } = await flakyStore(3);
      flaky.fail(
        /^\s*SELECT/,
        'before',
        sqlError('57P01', 'terminating connection due to administrator command'),
      );
      flaky.fail(/^\s*SELECT/, 'before', sqlError('40001'));
      assert.equal(await s.getNotice('x'), undefined);
      assert.equal(delays.length, 2);
      assert.ok((delays[0] ?? 0) >= 25 && (delays[0] ?? 0) <= 50, `first delay ${delays[0]}`);
      assert.ok((delays[1] ?? 0) >= 50 && (delays[1] ?? 0) <= 100, `second delay ${delays[1]}`);
      for (let i = 0; i < 4; i++) flaky.fail(/^\s*SELECT/, 'before', sqlError('08006'));
      await assert.rejects(s.getNotice('x'), (e) => (e as { code?: string }).code === '08006');
      assert.equal(delays.length, 5);
    });

    it('does not retry an error a retry cannot fix', async () => {
      const { s, delays } = await flakyStore();
      await s.insertNotice(newNotice({ id: 'a', orderId: 'o1' }));
      // The same id for another order: a primary key violation, not retried.
      await assert.rejects(
        s.insertNotice(newNotice({ id: 'a', orderId: 'o2' })),
        (e) => (e as { code?: string }).code === '23505',
      );
      assert.deepEqual(delays, []);
    });

    it('rolls back a write whose connection failed midway, and retries it whole', async () => {
      const { s, flaky } = await flakyStore();
      await s.insertNotice(newNotice({ id: 'a' }));
      const [claim] = await s.claimDue(1000, 1, 100, 'o1');
      assert.ok(claim);
      // The attempt's row fails to insert after the notice was updated in the same transaction.
      flaky.fail(/INSERT INTO .*notice_attempts/s, 'before', connectionLost());
      assert.equal(
        await s.recordAttempt(
          'a',
          claim.token,
          attempt(),
          { state: 'pending', nextAttemptAt: 2000 },
          1010,
        ),
        true,
      );
      const notice = await s.getNotice('a');
      assert.equal(notice?.attemptCount, 1);
      assert.equal(notice?.history.length, 1);
      assert.ok(flaky.destroyedClients >= 1);
    });

    describe('a write retried after a commit whose acknowledgement was lost', () => {
      it('recordAttempt records once and answers true', async () => {
        const { s, flaky, delays } = await flakyStore();
        await s.insertNotice(newNotice({ id: 'a' }));
        const [claim] = await s.claimDue(1000, 1, 100, 'o1');
        assert.ok(claim);
        flaky.fail(/^COMMIT/, 'after');
        assert.equal(
          await s.recordAttempt(
            'a',
            claim.token,
            attempt(),
            { state: 'pending', nextAttemptAt: 2000 },
            1010,
          ),
          true,
        );
        assert.equal(delays.length, 1);
        const notice = await s.getNotice('a');
        assert.equal(notice?.attemptCount, 1);
        assert.equal(notice?.history.length, 1);
        // Still fenced: the spent token records nothing more.
        assert.equal(
          await s.recordAttempt('a', claim.token, attempt(), { state: 'dead' }, 1020),
          false,
        );
      });

      it('insertNotice answers inserted, once', async () => {
        const { s, flaky } = await flakyStore();
        flaky.fail(/^COMMIT/, 'after');
        const result = await s.insertNotice(newNotice({ id: 'a' }));
        assert.equal(result.inserted, true);
        assert.equal(result.notice.id, 'a');
        assert.equal((await s.listNotices()).length, 1);
        assert.equal((await s.insertNotice(newNotice({ id: 'b' }))).inserted, false);
      });

      it('claimDue returns the notices its lost commit claimed, with a good token, no more than the limit', async () => {
        const { s, flaky } = await flakyStore();
        for (let i = 0; i < 5; i++) {
          await s.insertNotice(
            newNotice({ id: `n${i}`, orderId: `o${i}`, nextAttemptAt: 1000 + i }),
          );
        }
        flaky.fail(/^COMMIT/, 'after');
        const claims = await s.claimDue(2000, 2, 100, 'o1');
        assert.deepEqual(
          claims.map((c) => c.notice.id),
          ['n0', 'n1'],
        );
        for (const c of claims) {
          assert.equal(
            await s.recordAttempt(c.notice.id, c.token, attempt(), { state: 'delivered' }, 2010),
            true,
          );
        }
        assert.equal((await s.claimDue(2000, 10, 100, 'o2')).length, 3);
      });

      it('releaseClaim answers true', async () => {
        const { s, flaky } = await flakyStore();
        await s.insertNotice(newNotice({ id: 'a' }));
        const [claim] = await s.claimDue(1000, 1, 60_000, 'o1');
        assert.ok(claim);
        flaky.fail(/^COMMIT/, 'after');
        assert.equal(await s.releaseClaim('a', claim.token), true);
        assert.equal((await s.claimDue(1001, 1, 100, 'o2')).length, 1);
      });

      it('requeueNotice requeues once', async () => {
        const { s, flaky } = await flakyStore();
        await s.insertNotice(newNotice({ id: 'a' }));
        const [claim] = await s.claimDue(1000, 1, 100, 'o1');
        assert.ok(claim);
        await s.recordAttempt('a', claim.token, attempt(), { state: 'dead' }, 1010);
        flaky.fail(/^COMMIT/, 'after');
        const requeued = await s.requeueNotice('a', 5000);
        assert.equal(requeued?.state, 'pending');
        assert.equal(requeued?.attemptsBeforeRequeue, 1);
      });

      it('claimRefund keeps its claim: the handler runs once', async () => {
        const { s, flaky } = await flakyStore();
        flaky.fail(/^COMMIT/, 'after');
        const claim = await s.claimRefund('k', 'fp', 1000, 5000);
        assert.ok(claim.claimed, 'the retry recognises the claim its lost commit made');
        assert.equal(
          await s.completeRefund(
            'k',
            claim.token,
            { kind: 'refunded', data: { refund_id: 'R' } },
            1100,
          ),
          true,
        );
        assert.equal((await s.claimRefund('k', 'fp', 1200, 5000)).claimed, false);
      });

      it('completeRefund and releaseRefund answer true', async () => {
        const { s, flaky } = await flakyStore();
        const first = await s.claimRefund('k1', 'fp', 1000, 5000);
        assert.ok(first.claimed);
        flaky.fail(/^COMMIT/, 'after');
        assert.equal(
          await s.completeRefund('k1', first.token, { kind: 'refunded', data: {} }, 1100),
          true,
        );
        assert.equal((await s.getRefund('k1'))?.state, 'done');
        const second = await s.claimRefund('k2', 'fp', 1000, 5000);
        assert.ok(second.claimed);
        flaky.fail(/^COMMIT/, 'after');
        assert.equal(await s.releaseRefund('k2', second.token), true);
        assert.equal(await s.getRefund('k2'), undefined);
      });
    });

    it('survives the server closing every connection (57P01, admin shutdown)', async () => {
      const schema = freshSchema();
      const s = store({
        connectionString: `${url}?application_name=zhichi_victim`,
        schema,
        migrate: true,
        poolSize: 3,
      });
      for (let i = 0; i < 3; i++)
        await s.insertNotice(newNotice({ id: `n${i}`, orderId: `o${i}` }));
      // Open three pooled connections, then have the server terminate them all.
      await Promise.all([s.listNotices(), s.listNotices(), s.listNotices()]);
      const { rows } = await admin.query(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
         WHERE application_name = 'zhichi_victim'`,
      );
      assert.equal(rows[0].n, 3);
      const claims = await s.claimDue(1000, 10, 100, 'o1');
      assert.equal(claims.length, 3);
      for (const c of claims) {
        assert.equal(
          await s.recordAttempt(c.notice.id, c.token, attempt(), { state: 'delivered' }, 1010),
          true,
        );
      }
      assert.equal((await s.listNotices({ state: 'delivered' })).length, 3);
    });
  });

  it('replaces NUL characters in an attempt detail rather than failing to record it', async () => {
    const schema = freshSchema();
    const s = store({ connectionString: url, schema, migrate: true });
    await s.insertNotice(newNotice({ id: 'a' }));
    const [claim] = await s.claimDue(1000, 1, 100, 'o1');
    assert.ok(claim);
    assert.equal(
      await s.recordAttempt(
        'a',
        claim.token,
        attempt({ detail: 'bad\u0000body' }),
        { state: 'dead' },
        1010,
      ),
      true,
    );
    assert.equal((await s.getNotice('a'))?.history[0]?.detail, 'bad\uFFFDbody');
  });

  it('forgets finished refunds after the retention', async () => {
    const schema = freshSchema();
    const s = store({ connectionString: url, schema, migrate: true, refundRetentionMs: 1000 });
    const old = await s.claimRefund('old', 'fp', 1000, 100);
    assert.ok(old.claimed);
    await s.completeRefund('old', old.token, { kind: 'refunded', data: {} }, 1000);
    const pending = await s.claimRefund('pending', 'fp', 1000, 100);
    assert.ok(pending.claimed);
    // A minute later (prunes run at most once a minute, in the background).
    await s.claimRefund('new', 'fp', 70_000, 100);
    await s.close();
    const { rows } = await admin.query(`SELECT key FROM "${schema}".zhichi_refunds ORDER BY key`);
    assert.deepEqual(
      rows.map((r) => r.key),
      ['new', 'pending'],
    );
  });
});
