// Runs router calls in-process through handleCall and reports the heap after forced GCs.
// Needs --expose-gc. argv[2]: checkpoints, comma-separated request counts (e.g. 10000,50000,100000).
// Prints one JSON line: { baseline, checkpoints: [{ requests, heapUsed, ... }], failures }.
import { payParamsEndpoint } from '../../lib/endpoints/pay-params';
import { refundQueryEndpoint } from '../../lib/endpoints/refund-query';
import { resolveCommonOptions } from '../../lib/express/options';
import { type CallResult, handleCall, sealRequest } from '../../lib/index';
import { APP_ID, CREDENTIALS, payParamsHandler, silentLogger } from '../router/fixtures';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const { pipeline } = resolveCommonOptions({
  apps: { [APP_ID]: CREDENTIALS },
  logger: silentLogger,
});
const refundQueryHandler = async () => 'SUCCESS' as const;

/** Request i of the mix: pay-params and refund-query, MD5 and PKCS#7, a distinct order each. */
function call(i: number): Promise<CallResult> {
  const mode = i % 2 === 0 ? 'MD5' : 'PKCS#7';
  const orderId = `bench${i.toString().padStart(12, '0')}`;
  if (i % 4 < 2) {
    const data = { order_id: orderId, openid: `o${i}`, total_price: 0.29, order_type: 1 };
    const fields = sealRequest(APP_ID, { ...data, app_id: APP_ID }, CREDENTIALS, mode);
    return handleCall(payParamsEndpoint, payParamsHandler, fields, pipeline);
  }
  const data = { order_id: orderId, refund_order_id: `r${orderId}`, app_id: APP_ID };
  const fields = sealRequest(APP_ID, data, CREDENTIALS, mode);
  return handleCall(refundQueryEndpoint, refundQueryHandler, fields, pipeline);
}

function heap() {
  // Twice, after letting pending callbacks run, so finalisers and weak maps settle.
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, rss: m.rss };
}

async function main() {
  const checkpoints = (process.argv[2] ?? '10000,50000,100000').split(',').map(Number);
  const concurrency = 64;
  let failures = 0;
  let done = 0;
  const runTo = async (target: number) => {
    while (done < target) {
      const batch = Math.min(concurrency, target - done);
      const results = await Promise.all(Array.from({ length: batch }, (_, k) => call(done + k)));
      for (const r of results) if (r.envelope.status !== 0) failures++;
      done += batch;
    }
    await new Promise((resolve) => setImmediate(resolve));
  };
  await runTo(1000); // warm-up: JIT, ajv schemas, lazy modules
  const baseline = { requests: done, ...heap() };
  const points = [];
  for (const target of checkpoints) {
    await runTo(target);
    points.push({ requests: done, ...heap() });
  }
  process.stdout.write(`${JSON.stringify({ baseline, checkpoints: points, failures })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
