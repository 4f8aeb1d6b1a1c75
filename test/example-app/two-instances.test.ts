import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { createExampleStore } from '../../example-app/app';
import { DEMO, loadConfig } from '../../example-app/config';
import { SqliteStore } from '../../lib/index';
import { PostgresStore } from '../../lib/postgres';
import { PlatformSimulator, startMockPlatform } from '../../lib/testing/index';
import { startExample } from '../helpers/example';
import { refundData, refundQueryData } from '../helpers/fixtures';
import { testPostgres } from '../helpers/postgres';

describe('example app store choice', () => {
  it('uses SQLite without DATABASE_URL and PostgreSQL with it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zhichi-store-choice-'));
    try {
      const sqlite = createExampleStore(loadConfig({ EXAMPLE_DATA_DIR: dir }));
      assert.ok(sqlite instanceof SqliteStore);
      await sqlite.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const pg = createExampleStore(
      loadConfig({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }),
    );
    assert.ok(pg instanceof PostgresStore);
    await pg.close();
  });
});

/** The README's two-instance deployment: two example apps on one PostgreSQL database. */
describe('example app: two instances on one PostgreSQL database', function () {
  this.timeout(60_000);
  let url = '';
  let admin: Pool | undefined;
  let database = '';

  before(async function () {
    const pg = await testPostgres();
    if ('skip' in pg) {
      console.warn(`    two-instance example tests skipped: ${pg.skip}`);
      this.skip();
    }
    admin = new Pool({ connectionString: pg.url, max: 1 });
    database = `example_${Math.random().toString(36).slice(2, 10)}`;
    await admin.query(`CREATE DATABASE ${database}`);
    const u = new URL(pg.url);
    u.pathname = `/${database}`;
    url = u.toString();
  });
  after(async () => {
    if (admin && database) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.end();
  });

  it('runs a refund asked on both instances once, answers its query anywhere, and delivers notices', async () => {
    const platform = await startMockPlatform({ apps: { [DEMO.appId]: { md5Key: DEMO.md5Key } } });
    const env = { DATABASE_URL: url, ZHICHI_NOTIFY_URL: platform.url };
    const a = startExample(env);
    const b = startExample(env);
    const sims = [a, b].map(
      (instance) =>
        new PlatformSimulator({
          appId: DEMO.appId,
          md5Key: DEMO.md5Key,
          target: { app: instance.app, basePath: '/zhichi' },
        }),
    );
    try {
      const [first, second] = await Promise.all(sims.map((sim) => sim.refund(refundData)));
      assert.equal(first?.status, 0, first?.body);
      assert.equal(second?.status, 0, second?.body);
      assert.deepEqual(first?.data, second?.data, 'one refund id for both');

      const query = await sims[1]?.refundQuery(refundQueryData);
      assert.equal(query?.status, 0, query?.body);
      assert.equal(query?.data, 'SUCCESS');

      const { default: request } = await import('supertest');
      const paid = await request(a.app)
        .post('/sandbox/orders/o-2i/pay')
        .send({ order_type: 1 })
        .expect(202);
      await a.notifier.waitForDelivery(paid.body.notice_id);
      const seen = await request(b.app).get(`/sandbox/notices/${paid.body.notice_id}`).expect(200);
      assert.equal(seen.body.state, 'delivered', 'instance B reads the notice A queued');
      assert.equal(platform.noticesFor('o-2i').length, 1);
    } finally {
      for (const sim of sims) await sim.close();
      await a.close();
      await b.close();
      await platform.close();
    }
  });
});
