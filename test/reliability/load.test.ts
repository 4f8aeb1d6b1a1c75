// Load: thousands of mixed valid and invalid calls at high concurrency over real HTTP on
// loopback against one app, with refunds repeated and raced, and the event loop watched.
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { encryptData, sealRequest, signData } from '../../lib/index';
import {
  AES_KEY,
  AES_TOKEN,
  APP_ID,
  MD5_KEY,
  payParamsData,
  refundData,
  refundQueryData,
} from '../helpers/fixtures';
import { createTargetApp, KNOWN_APPS, MD5_ONLY_APP, queryAnswer, REFUSED_ORDER } from './apps';
import {
  assertNoSecrets,
  type CheckedEnvelope,
  checkEnvelope,
  FORM,
  form,
  type LoopbackServer,
  listen,
  memoryWinston,
  ProcessGuard,
  type RawResponse,
  rawPost,
} from './harness';

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

const TOTAL = positiveInt('LOAD_REQUESTS', 3000);
const CONCURRENCY = positiveInt('LOAD_CONCURRENCY', 100);
/**
 * The event loop may stall this long at worst: generous for a 2-core CI machine. With 100
 * calls in flight one turn of the loop may serve all of them, so on a machine that is slower
 * (oversubscribed, or syscalls costly) the bound grows with the server's own busy time per
 * call over the run: three times `concurrency` × that. A stall of one call (a synchronous
 * step gone wrong) still shows, as it hardly moves the average. `LOAD_MAX_DELAY_MS` sets a
 * fixed bound instead, for a dedicated machine.
 */
const MAX_DELAY_MS = 200;

/** A small seeded PRNG (mulberry32), so a run's mix and order can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Planned {
  path: string;
  body: string;
  contentType: string;
  /** The envelope status the answer must carry. */
  status: number;
  httpStatus?: number;
  /** Further checks of a success. */
  check?: (env: CheckedEnvelope) => void;
  /** For refunds: the refund id and the fingerprint variant sent. */
  refund?: { id: string; variant: number; signType: string };
}

const keys = { md5Key: MD5_KEY, aesKey: AES_KEY, aesToken: AES_TOKEN };
const SIGN_TYPES = ['MD5', 'PKCS#7', 'md5', 'pkcs7'];

function sealed(data: unknown, signType: string, appId = APP_ID): string {
  return form({ ...sealRequest(appId, data, keys, signType) });
}

/** The mix: about 45% valid calls, 15% refunds (repeated, some conflicting), 40% invalid. */
function plan(total: number, random: () => number): Planned[] {
  const out: Planned[] = [];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  // Refunds first: distinct ids sent 1 to 4 times each, the same payload each time; some
  // ids also get a conflicting payload (another amount), raced against the original.
  const refundIds = Math.max(10, Math.round(total * 0.06));
  for (let i = 0; i < refundIds && out.length < total * 0.2; i++) {
    const id = `load-refund-${i}`;
    const signType = pick(SIGN_TYPES);
    const copies = 1 + Math.floor(random() * 4);
    for (let c = 0; c < copies; c++) {
      const data = { ...refundData, refund_order_id: id };
      out.push({
        path: '/zhichi/refund',
        body: sealed(data, signType),
        contentType: FORM,
        // Checked after the run: the copy that ran decides which payload wins.
        status: i % 8 === 0 ? -1 : 0,
        refund: { id, variant: 0, signType },
      });
    }
    if (i % 8 === 0) {
      const data = { ...refundData, refund_order_id: id, refund_price: '0.11' };
      out.push({
        path: '/zhichi/refund',
        body: sealed(data, signType),
        contentType: FORM,
        status: -1,
        refund: { id, variant: 1, signType },
      });
    }
  }
  let n = 0;
  while (out.length < total) {
    n++;
    const r = random();
    const signType = pick(SIGN_TYPES);
    if (r < 0.3) {
      const order = {
        ...payParamsData,
        order_id: `load-order-${n}`,
        total_price: (n % 9999) / 100 + 0.01,
      };
      const fen = Math.round(order.total_price * 100);
      out.push({
        path: '/zhichi/pay-params',
        body: sealed(order, signType),
        contentType: FORM,
        status: 0,
        check: (env) => {
          const answer = JSON.parse(env.dataText as string) as Record<string, unknown>;
          assert.equal(answer.order_id, order.order_id);
          assert.equal(answer.total_fen, fen);
          assert.equal(env.sign_type, signType);
        },
      });
    } else if (r < 0.45) {
      const query = { ...refundQueryData, refund_order_id: `q-${'x'.repeat(n % 7)}-${n}` };
      out.push({
        path: '/zhichi/refund-query',
        body: sealed(query, signType),
        contentType: FORM,
        status: 0,
        check: (env) =>
          assert.equal(JSON.parse(env.dataText as string), queryAnswer(query.refund_order_id)),
      });
    } else if (r < 0.5) {
      const order = { ...payParamsData, order_id: `${REFUSED_ORDER}${n}` };
      out.push({
        path: '/zhichi/pay-params',
        body: sealed(order, signType),
        contentType: FORM,
        status: 42200,
      });
    } else {
      out.push(invalid(n, random, pick));
    }
  }
  // Shuffle (Fisher–Yates) so duplicates and conflicts land at any moment of the run.
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as Planned, out[i] as Planned];
  }
  return out;
}

function invalid(n: number, random: () => number, pick: <T>(items: readonly T[]) => T): Planned {
  const data = JSON.stringify({ ...payParamsData, order_id: `bad-${n}` });
  const path = '/zhichi/pay-params';
  const kinds: (() => Planned)[] = [
    () => ({
      path,
      body: form({ app_id: APP_ID, data, sign: signData(data, 'wrong-key'), sign_type: 'MD5' }),
      contentType: FORM,
      status: 40003,
    }),
    () => ({
      path,
      body: form({ app_id: 'nobody', data, sign: signData(data, MD5_KEY), sign_type: 'MD5' }),
      contentType: FORM,
      status: 40002,
    }),
    () => ({
      path,
      body: form({ app_id: APP_ID, data, sign: signData(data, MD5_KEY), sign_type: 'SHA256' }),
      contentType: FORM,
      status: 40006,
    }),
    () => ({
      path,
      body: form({ app_id: APP_ID, data: '%%not base64%%', sign: '', sign_type: 'PKCS#7' }),
      contentType: FORM,
      status: 40004,
    }),
    () => ({
      path,
      body: form({
        app_id: APP_ID,
        data: encryptData(data, 'another-key', AES_TOKEN),
        sign: '',
        sign_type: 'PKCS#7',
      }),
      contentType: FORM,
      status: 40004,
    }),
    () => ({
      path,
      body: form({ app_id: APP_ID, data, sign_type: 'MD5' }),
      contentType: FORM,
      status: 40001,
    }),
    () => ({
      path,
      body: form({ app_id: APP_ID, data: '{"order_id":', sign: 'a'.repeat(32), sign_type: 'MD5' }),
      contentType: FORM,
      status: 40001,
    }),
    () => ({
      path,
      body: JSON.stringify({ app_id: APP_ID, data }),
      contentType: 'application/json',
      status: 40001,
      httpStatus: 415,
    }),
    () => ({
      path,
      body: sealed({ ...payParamsData, total_price: -1 }, pick(SIGN_TYPES)),
      contentType: FORM,
      status: 40005,
    }),
    () => ({
      path: '/zhichi/refund',
      body: sealed(
        { ...refundData, refund_order_id: `over-${n}`, refund_price: '9.99' },
        pick(SIGN_TYPES),
      ),
      contentType: FORM,
      status: 40005,
    }),
    () => ({
      path,
      body: sealed(payParamsData, 'PKCS#7', MD5_ONLY_APP),
      contentType: FORM,
      status: 40006,
    }),
    () => ({
      path,
      body: `app_id=${APP_ID}&sign_type=MD5&sign=x&data=${'a'.repeat(70_000)}`,
      contentType: FORM,
      status: 40001,
      httpStatus: 413,
    }),
  ];
  // The body over the limit is rarer: it is 70 kB.
  const i = Math.floor(random() * (kinds.length - 0.9));
  return (kinds[i] as () => Planned)();
}

/** The platform's side: posts every call, `concurrency` in flight, from a worker thread. */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { url, calls, concurrency } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
function post(call) {
  return new Promise((resolve) => {
    const bytes = Buffer.from(call.body, 'utf8');
    const headers = { 'content-type': call.contentType, 'content-length': bytes.length };
    const req = http.request(url + call.path, { method: 'POST', agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', (error) => resolve({ error: String(error) }));
      res.on('end', () => resolve({
        httpStatus: res.statusCode,
        contentType: res.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      }));
    });
    req.setTimeout(30000, () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve({ error: String(error) }));
    req.end(bytes);
  });
}
(async () => {
  const results = new Array(calls.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < calls.length) {
      const index = next++;
      results[index] = await post(calls[index]);
    }
  }));
  agent.destroy();
  parentPort.postMessage({ results, ms: performance.now() - started });
})();
`;

type ClientResult = RawResponse | { error: string };

function runClients(
  url: string,
  calls: { path: string; body: string; contentType: string }[],
  concurrency: number,
): Promise<{ results: ClientResult[]; ms: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(CLIENT, { eval: true, workerData: { url, calls, concurrency } });
    worker.once('message', (message: { results: ClientResult[]; ms: number }) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the client worker exited with ${code}`));
    });
  });
}

describe('reliability: load over loopback HTTP', function () {
  this.timeout(Math.max(120_000, TOTAL * 40));
  const guard = new ProcessGuard();
  const winston = memoryWinston();
  let seq = 0;
  const target = createTargetApp(winston.logger, { refundDelayMs: () => seq++ % 6 });
  let server: LoopbackServer;

  before(async () => {
    guard.install();
    server = await listen(target.app, CONCURRENCY);
  });
  after(async () => {
    guard.uninstall();
    await server?.close();
  });

  it(`answers ${TOTAL} mixed calls, ${CONCURRENCY} in flight, each exactly as it must`, async () => {
    const seed = positiveInt('LOAD_SEED', 20_260_525);
    const planned = plan(TOTAL, prng(seed));
    // Warm-up outside the measurement: the schemas compile on first use.
    for (const path of ['/zhichi/pay-params', '/zhichi/refund-query']) {
      const data = path.endsWith('query')
        ? refundQueryData
        : { ...payParamsData, order_id: 'warm-up' };
      checkEnvelope(await rawPost(server, path, sealed(data, 'MD5'), FORM), KNOWN_APPS);
    }

    // The platform's side runs in a worker thread, so that the event loop measured here is
    // the server's alone; the answers are checked once the run is over.
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const utilisation = performance.eventLoopUtilization();
    const run = await runClients(
      server.url,
      planned.map(({ path, body, contentType }) => ({ path, body, contentType })),
      CONCURRENCY,
    );
    histogram.disable();
    const busy = performance.eventLoopUtilization(utilisation);
    // The server's busy time per call, over this very run: one turn of the loop may serve
    // every call in flight, so a turn may last about CONCURRENCY times this.
    const busyMsPerCall = busy.active / planned.length;
    const fixed = process.env.LOAD_MAX_DELAY_MS;
    const boundMs =
      fixed !== undefined && fixed !== ''
        ? positiveInt('LOAD_MAX_DELAY_MS', MAX_DELAY_MS)
        : Math.max(MAX_DELAY_MS, 3 * CONCURRENCY * busyMsPerCall);
    const seconds = run.ms / 1000;
    const maxMs = histogram.max / 1e6;
    const p99Ms = histogram.percentile(99) / 1e6;
    console.log(
      `      load: ${planned.length} calls in ${seconds.toFixed(2)} s (${Math.round(planned.length / seconds)}/s), ` +
        `${CONCURRENCY} in flight; server event-loop delay p50 ${(histogram.percentile(50) / 1e6).toFixed(1)} ms, ` +
        `p99 ${p99Ms.toFixed(1)} ms, max ${maxMs.toFixed(1)} ms, bound ${boundMs.toFixed(0)} ms ` +
        `(server busy ${(busy.utilization * 100).toFixed(0)}%, ${busyMsPerCall.toFixed(2)} ms a call; seed ${seed})`,
    );

    const results: (CheckedEnvelope | undefined)[] = new Array(planned.length);
    const transportErrors: string[] = [];
    const failures: string[] = [];
    run.results.forEach((res, index) => {
      const call = planned[index] as Planned;
      if ('error' in res) {
        transportErrors.push(`${call.path}: ${res.error}`);
        return;
      }
      try {
        const env = checkEnvelope(res, KNOWN_APPS);
        results[index] = env;
        if (call.httpStatus !== undefined) assert.equal(res.httpStatus, call.httpStatus);
        if (call.status >= 0) {
          assert.equal(env.status, call.status, `${env.msg}`);
          if (call.status === 0) call.check?.(env);
        }
      } catch (error) {
        failures.push(
          `#${index} ${call.path}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    });

    assert.deepEqual(transportErrors, [], 'transport errors');
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} wrong answers`);

    // Refunds: the handler ran once per distinct id, and every copy got the same answer;
    // a conflicting payload got 40005 unless it was the one that ran.
    const byId = new Map<string, { call: Planned; env: CheckedEnvelope }[]>();
    planned.forEach((call, index) => {
      if (!call.refund) return;
      const list = byId.get(call.refund.id) ?? [];
      list.push({ call, env: results[index] as CheckedEnvelope });
      byId.set(call.refund.id, list);
    });
    let duplicates = 0;
    for (const [id, answers] of byId) {
      assert.equal(
        target.calls.refunds.get(id),
        1,
        `refund ${id} ran ${target.calls.refunds.get(id)} times`,
      );
      const winners = answers.filter((a) => a.env.status === 0);
      const losers = answers.filter((a) => a.env.status !== 0);
      assert.ok(winners.length > 0, `no copy of refund ${id} succeeded`);
      const variants = new Set(winners.map((a) => a.call.refund?.variant));
      assert.equal(variants.size, 1, `refund ${id} succeeded with two different payloads`);
      for (const loser of losers) {
        assert.equal(loser.env.status, 40005, `refund ${id}: ${loser.env.msg}`);
        assert.notEqual(loser.call.refund?.variant, winners[0]?.call.refund?.variant);
      }
      const texts = new Set(winners.map((a) => a.env.dataText));
      assert.equal(
        texts.size,
        1,
        `refund ${id} was answered differently: ${[...texts].join(' | ')}`,
      );
      assert.equal(new Set(winners.map((a) => JSON.stringify([a.env.data, a.env.sign]))).size, 1);
      duplicates += winners.length - 1;
    }
    assert.ok(duplicates > 0, 'the plan sent no duplicate refund');
    assert.equal(target.calls.refunds.size, byId.size, 'a refund ran that was not planned');

    assert.ok(maxMs < boundMs, `event-loop delay reached ${maxMs.toFixed(1)} ms`);
    guard.assertQuiet();
    assertNoSecrets(winston.text());
  });
});
