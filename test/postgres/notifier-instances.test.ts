import assert from 'node:assert/strict';
import path from 'node:path';
import { Pool } from 'pg';
import { buildNoticeBody } from '../../lib/notifier/payment-notice';
import { migratePostgres } from '../../lib/stores/postgres-migrations';
import { PostgresStore } from '../../lib/stores/postgres-store';
import { type MockPlatform, startMockPlatform } from '../../lib/testing/mock-platform';
import { type Child, spawnChild } from '../helpers/child';
import { testPostgres } from '../helpers/postgres';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'postgres-notifier-child.ts');
const MD5_KEY = 'child-md5-key';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * Notifier instances in separate processes (each `node --import tsx` on a fixture), draining
 * one PostgreSQL outbox to a loopback mock platform.
 */
describe('notifier instances in separate processes sharing a PostgreSQL outbox', function () {
  this.timeout(40_000);
  let url = '';
  let schema = '';
  let platform: MockPlatform;
  let store: PostgresStore;
  const children: Child[] = [];

  before(async function () {
    this.timeout(60_000);
    const pg = await testPostgres();
    if ('skip' in pg) {
      console.warn(`    multi-process notifier tests skipped: ${pg.skip}`);
      this.skip();
    }
    url = pg.url;
  });

  beforeEach(async () => {
    schema = `outbox_${Math.random().toString(36).slice(2, 10)}`;
    await migratePostgres(url, { schema });
    store = new PostgresStore({ connectionString: url, schema, poolSize: 2 });
    platform = await startMockPlatform({ apps: { app1: { md5Key: MD5_KEY } } });
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill('SIGKILL');
      }
      await child.exited;
    }
    await platform.close();
    await store.close();
    const admin = new Pool({ connectionString: url, max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  async function start(
    instance: string,
    options: { leaseMs: number; timeoutMs: number; concurrency: number },
  ): Promise<Child> {
    const child = spawnChild(
      {
        ZHICHI_PG_URL: url,
        ZHICHI_PG_SCHEMA: schema,
        ZHICHI_INSTANCE: instance,
        ZHICHI_LEASE_MS: String(options.leaseMs),
        ZHICHI_TIMEOUT_MS: String(options.timeoutMs),
        ZHICHI_CONCURRENCY: String(options.concurrency),
      },
      FIXTURE,
    );
    children.push(child);
    await child.report('ready', 20_000);
    return child;
  }

  /** Queues notices for `orders` in the shared outbox, as an accepting instance would. */
  async function enqueue(orders: string[]): Promise<void> {
    const now = Date.now();
    for (const [i, orderId] of orders.entries()) {
      const fields = { orderId, transactionId: `tx-${orderId}`, orderType: 1 as const };
      await store.insertNotice({
        id: `id-${orderId}`,
        appId: 'app1',
        ...fields,
        url: platform.url,
        body: buildNoticeBody('app1', fields, { mode: 'MD5', md5Key: MD5_KEY }),
        createdAt: now + i,
        nextAttemptAt: now,
      });
    }
  }

  async function deliveredCount(): Promise<number> {
    return (await store.listNotices({ state: 'delivered', limit: 1000 })).length;
  }

  it('delivers every notice exactly once while all instances are healthy', async () => {
    const options = { leaseMs: 10_000, timeoutMs: 5000, concurrency: 4 };
    await Promise.all(['p1', 'p2', 'p3'].map((name) => start(name, options)));
    const orders = Array.from({ length: 60 }, (_, i) => `order-${i}`);
    await enqueue(orders);
    await until('60 deliveries', async () => (await deliveredCount()) === 60);
    // Anything sent twice would have arrived by now.
    await sleep(300);
    assert.equal(platform.notices.length, 60);
    for (const order of orders) assert.equal(platform.noticesFor(order).length, 1, order);
    const notices = await store.listNotices({ limit: 1000 });
    const senders = new Set<string>();
    for (const notice of notices) {
      const full = await store.getNotice(notice.id);
      assert.equal(full?.attemptCount, 1);
      assert.equal(full?.history[0]?.outcome, 'delivered');
      senders.add(full?.history[0]?.owner ?? '');
    }
    assert.ok(senders.size >= 2, `the instances shared the work: ${[...senders]}`);
    for (const sender of senders) assert.ok(['p1', 'p2', 'p3'].includes(sender), sender);
  });

  it('lets the others take over, after the lease expires, the notices of an instance killed mid-delivery', async () => {
    const options = { leaseMs: 2000, timeoutMs: 1500, concurrency: 4 };
    const names = ['victim', 's1', 's2'];
    await Promise.all(names.map((name) => start(name, options)));
    // The platform holds every attempt: with 12 notices and 4 slots each, every instance ends
    // up holding exactly 4.
    platform.setDefaultReply({ kind: 'hang' });
    const orders = Array.from({ length: 12 }, (_, i) => `order-${i}`);
    await enqueue(orders);
    await platform.waitForRequests(12, 10_000);
    const leases = new Map<string, { owner?: string; until: number }>();
    for (const notice of await store.listNotices()) {
      leases.set(notice.orderId, { owner: notice.leaseOwner, until: notice.leaseUntil ?? 0 });
    }
    const held = orders.filter((order) => leases.get(order)?.owner === 'victim');
    assert.equal(held.length, 4, JSON.stringify([...leases]));

    const victim = children[0] as Child;
    victim.process.kill('SIGKILL');
    assert.equal((await victim.exited).signal, 'SIGKILL');
    // The platform recovers; the survivors' own attempts time out and are retried.
    platform.setDefaultReply({ kind: 'success' });
    await until('12 deliveries', async () => (await deliveredCount()) === 12, 20_000);
    await sleep(300);

    for (const order of orders) {
      const notice = await store.findNoticeByOrder('app1', order);
      const full = notice && (await store.getNotice(notice.id));
      assert.equal(full?.state, 'delivered', order);
      // Every order reached the platform twice: the held attempt, then the one answered.
      assert.deepEqual(
        platform.noticesFor(order).map((n) => n.reply.kind),
        ['hang', 'success'],
        order,
      );
      const last = full?.history.at(-1);
      assert.ok(last && ['s1', 's2'].includes(last.owner), `${order} sent by ${last?.owner}`);
      if (held.includes(order)) {
        // The victim's attempt died with it, unrecorded: one attempt, by a survivor, made no
        // sooner than the victim's lease ran out.
        assert.equal(full?.attemptCount, 1, order);
        assert.ok((last?.startedAt ?? 0) >= (leases.get(order)?.until ?? Number.POSITIVE_INFINITY));
      } else {
        assert.deepEqual(
          full?.history.map((h) => h.outcome),
          ['timeout', 'delivered'],
          order,
        );
      }
    }
  });
});
