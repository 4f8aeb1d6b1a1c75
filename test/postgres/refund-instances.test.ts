import assert from 'node:assert/strict';
import express from 'express';
import { Pool } from 'pg';
import { BusinessError, createZhichiRouter, type RefundRequest } from '../../lib/index';
import { migratePostgres } from '../../lib/stores/postgres-migrations';
import { PostgresStore } from '../../lib/stores/postgres-store';
import { PlatformSimulator } from '../../lib/testing/platform-simulator';
import { APP_ID, CapturingLogger, credentials, MD5_KEY, refundData } from '../helpers/fixtures';
import { testPostgres } from '../helpers/postgres';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two app instances behind a load balancer: two Express apps, each with its own router, its
 * own PostgresStore and its own pool, sharing one database. The platform's duplicate refund
 * calls land on either.
 */
describe('refunds across two app instances sharing PostgreSQL', function () {
  this.timeout(20_000);
  let url = '';
  let schema = '';
  let calls: RefundRequest[] = [];
  let behaviour: (request: RefundRequest, n: number) => Promise<Record<string, unknown>>;
  const stores: PostgresStore[] = [];
  const simulators: PlatformSimulator[] = [];

  before(async function () {
    this.timeout(60_000);
    const pg = await testPostgres();
    if ('skip' in pg) {
      console.warn(`    multi-instance refund tests skipped: ${pg.skip}`);
      this.skip();
    }
    url = pg.url;
  });

  beforeEach(async () => {
    schema = `refunds_${Math.random().toString(36).slice(2, 10)}`;
    await migratePostgres(url, { schema });
    calls = [];
    behaviour = async () => ({ refund_id: 'unset' });
    for (let instance = 0; instance < 2; instance++) {
      const store = new PostgresStore({ connectionString: url, schema, poolSize: 4 });
      stores.push(store);
      const app = express();
      app.use(
        '/zhichi',
        createZhichiRouter({
          apps: { [APP_ID]: credentials },
          refundStore: store,
          logger: new CapturingLogger(),
          payParams: () => {
            throw new Error('not used');
          },
          refundQuery: () => 'SUCCESS',
          refund: async (request) => {
            calls.push(request);
            return behaviour(request, calls.length);
          },
        }),
      );
      simulators.push(
        new PlatformSimulator({
          appId: APP_ID,
          md5Key: MD5_KEY,
          target: { app: app, basePath: '/zhichi' },
        }),
      );
    }
  });

  afterEach(async () => {
    for (const s of simulators.splice(0)) await s.close();
    for (const s of stores.splice(0)) await s.close();
    const admin = new Pool({ connectionString: url, max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  /** Sends `refund` `times` times at once, alternating between the two instances. */
  function sendConcurrently(refund: Record<string, unknown>, times: number) {
    return Promise.all(
      Array.from({ length: times }, (_, i) => simulators[i % 2]?.refund(refund)),
    ) as Promise<Awaited<ReturnType<PlatformSimulator['refund']>>[]>;
  }

  it('runs the handler once for the same refund sent to both at the same moment, answering all alike', async () => {
    behaviour = async (_request, n) => {
      await sleep(300);
      return { refund_id: `R-${n}`, channel: 'sandbox', fen: 10 };
    };
    const answers = await sendConcurrently(refundData, 8);
    assert.equal(calls.length, 1);
    for (const answer of answers) {
      assert.equal(answer.status, 0, answer.body);
      assert.equal(answer.signatureValid, true);
      assert.deepEqual({ ...answer.data }, { refund_id: 'R-1', channel: 'sandbox', fen: 10 });
      // Byte for byte: the replayed outcome keeps the key order the signature covers.
      assert.equal(answer.body, answers[0]?.body);
    }
    // And a later retry of the platform, on either instance, gets the same answer again.
    const later = await sendConcurrently(refundData, 2);
    assert.equal(calls.length, 1);
    for (const answer of later) assert.equal(answer.body, answers[0]?.body);
  });

  it('answers the same refusal everywhere when the handler refuses, running it once', async () => {
    behaviour = async () => {
      await sleep(200);
      throw new BusinessError('balance too low', { code: 'NO_MONEY' });
    };
    const answers = await sendConcurrently(refundData, 6);
    assert.equal(calls.length, 1);
    for (const answer of answers) {
      assert.equal(answer.status, 42200, answer.body);
      assert.equal(answer.body, answers[0]?.body);
    }
  });

  it('runs each of many different refunds once, wherever its duplicates land', async () => {
    behaviour = async (request) => {
      await sleep(50);
      return { refund_id: `R-${request.refund_order_id}` };
    };
    const refunds = Array.from({ length: 10 }, (_, i) => ({
      ...refundData,
      refund_order_id: `ro-${i}`,
    }));
    const answers = await Promise.all(refunds.map((refund) => sendConcurrently(refund, 4)));
    assert.equal(calls.length, 10);
    assert.deepEqual(
      calls.map((c) => c.refund_order_id).sort(),
      refunds.map((r) => r.refund_order_id).sort(),
    );
    answers.forEach((group, i) => {
      for (const answer of group) {
        assert.equal(answer.status, 0);
        assert.deepEqual({ ...answer.data }, { refund_id: `R-ro-${i}` });
      }
    });
  });

  it('lets the other instance run the handler again after one failed unexpectedly', async () => {
    behaviour = async (_request, n) => {
      if (n === 1) throw new Error('channel timeout');
      return { refund_id: 'R-2' };
    };
    const first = await simulators[0]?.refund(refundData);
    assert.equal(first?.status, 50000);
    // The claim was released: the platform's retry reaching instance b refunds.
    let second = await simulators[1]?.refund(refundData);
    for (let i = 0; i < 20 && second?.status !== 0; i++) {
      await sleep(50);
      second = await simulators[1]?.refund(refundData);
    }
    assert.equal(second?.status, 0, second?.body);
    assert.deepEqual({ ...second?.data }, { refund_id: 'R-2' });
    assert.equal(calls.length, 2);
    assert.equal((await simulators[0]?.refund(refundData))?.body, second?.body);
    assert.equal(calls.length, 2);
  });

  it('refuses a refund_order_id reused for another refund on the other instance', async () => {
    behaviour = async () => ({ refund_id: 'R-1' });
    assert.equal((await simulators[0]?.refund(refundData))?.status, 0);
    const reused = await simulators[1]?.refund({ ...refundData, refund_price: '0.20' });
    assert.equal(reused?.status, 40005, reused?.body);
    assert.equal(calls.length, 1);
  });
});
