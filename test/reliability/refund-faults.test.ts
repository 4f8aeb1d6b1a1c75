// Refund idempotency under faults: duplicates raced against a refund handler that succeeds,
// refuses, fails or outlives its deadline. Over real HTTP, as in production.
import assert from 'node:assert/strict';
import express from 'express';
import fc from 'fast-check';
import { BusinessError, createZhichiRouter, sealRequest } from '../../lib/index';
import {
  AES_KEY,
  AES_TOKEN,
  APP_ID,
  CapturingLogger,
  MD5_KEY,
  refundData,
} from '../helpers/fixtures';
import { APPS, KNOWN_APPS } from './apps';
import {
  assertNoSecrets,
  type CheckedEnvelope,
  checkEnvelope,
  FORM,
  fcParams,
  form,
  fuzzTimeout,
  type LoopbackServer,
  listen,
  ProcessGuard,
  rawPost,
} from './harness';

type Outcome = 'ok' | 'refuse' | 'fail' | 'late-ok';
const TIMEOUT_MS = 60;

describe('reliability: refunds under faults', function () {
  this.timeout(fuzzTimeout(60_000));
  const guard = new ProcessGuard();
  const logger = new CapturingLogger();
  /** Per refund id: what each run of the handler does, in order, and what it did. */
  const scripts = new Map<string, Outcome[]>();
  const runs = new Map<string, Outcome[]>();
  let server: LoopbackServer;

  before(async () => {
    guard.install();
    const app = express();
    app.use(
      '/zhichi',
      createZhichiRouter({
        apps: APPS,
        logger,
        handlerTimeoutMs: TIMEOUT_MS,
        payParams: async () => {
          throw new Error('unused');
        },
        refundQuery: async () => 'SUCCESS' as const,
        refund: async (req) => {
          const id = req.refund_order_id;
          const done = runs.get(id) ?? [];
          const outcome = scripts.get(id)?.[done.length] ?? 'ok';
          done.push(outcome);
          runs.set(id, done);
          await new Promise((resolve) =>
            setTimeout(resolve, outcome === 'late-ok' ? 2 * TIMEOUT_MS : 5),
          );
          if (outcome === 'refuse') throw new BusinessError(`refused ${id}`);
          if (outcome === 'fail') throw new Error('the channel is down');
          return { refund_id: `rf-${id}-${done.length}` };
        },
      }),
    );
    server = await listen(app, 64);
  });
  after(async () => {
    guard.uninstall();
    await server?.close();
  });

  let serial = 0;
  const keys = { md5Key: MD5_KEY, aesKey: AES_KEY, aesToken: AES_TOKEN };

  async function refund(id: string, signType: string): Promise<CheckedEnvelope> {
    const data = { ...refundData, refund_order_id: id };
    const body = form({ ...sealRequest(APP_ID, data, keys, signType) });
    return checkEnvelope(await rawPost(server, '/zhichi/refund', body, FORM), KNOWN_APPS);
  }

  it('runs each refund until it succeeds or is refused, never after, and answers alike', async () => {
    const outcome = fc.constantFrom<Outcome>('ok', 'refuse', 'fail', 'late-ok');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(outcome, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 * TIMEOUT_MS })), {
          minLength: 1,
          maxLength: 10,
        }),
        fc.constantFrom('MD5', 'PKCS#7'),
        async (plans, sends, signType) => {
          const ids = plans.map((plan) => {
            const id = `fault-${serial++}`;
            scripts.set(id, plan);
            return id;
          });
          // Copies of each refund sent at random moments, racing one another.
          const answers = await Promise.all(
            sends.map(async ([which, delay]) => {
              const id = ids[which % ids.length] as string;
              await new Promise((resolve) => setTimeout(resolve, delay));
              return { id, env: await refund(id, signType) };
            }),
          );
          // Let late handlers settle, then ask once more for each refund.
          await new Promise((resolve) => setTimeout(resolve, 3 * TIMEOUT_MS));
          const settledRuns = new Map(ids.map((id) => [id, runs.get(id)?.length ?? 0]));
          for (const id of ids) answers.push({ id, env: await refund(id, signType) });

          for (const id of ids) {
            const ran = runs.get(id) ?? [];
            // Runs: failures, then at most one success or refusal, then nothing.
            const final = ran.findIndex((o) => o !== 'fail');
            if (final >= 0) assert.equal(ran.length, final + 1, `${id} ran again: ${ran}`);
            const mine = answers.filter((a) => a.id === id).map((a) => a.env);
            for (const env of mine) {
              assert.ok([0, 42200, 50000, 40900].includes(env.status), `${id}: ${env.status}`);
            }
            const ok = mine.filter((e) => e.status === 0);
            const refused = mine.filter((e) => e.status === 42200);
            const terminal = final >= 0 ? ran[final] : undefined;
            if (ok.length > 0)
              assert.ok(terminal === 'ok' || terminal === 'late-ok', `${id}: 0 after ${ran}`);
            if (refused.length > 0) assert.equal(terminal, 'refuse', `${id}: 42200 after ${ran}`);
            assert.ok(ok.length === 0 || refused.length === 0, `${id}: both refunded and refused`);
            assert.ok(new Set(ok.map((e) => e.dataText)).size <= 1, `${id}: different answers`);
            for (const e of refused) assert.equal(e.msg, `refused ${id}`);
            // The last ask, once everything settled, gets the outcome reached before it.
            const last = mine[mine.length - 1] as CheckedEnvelope;
            if (final >= 0 && final < (settledRuns.get(id) ?? 0)) {
              assert.equal(last.status, terminal === 'refuse' ? 42200 : 0, `${id}: ${ran}`);
            }
          }
        },
      ),
      fcParams(25),
    );
    guard.assertQuiet();
    assertNoSecrets(logger.text());
  });
});
