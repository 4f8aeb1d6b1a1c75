// A server under test, run in its own process so the load generator does not share its
// event loop. argv[2]: "ours" | "bare"; argv[3]: "MD5" | "PKCS#7"; argv[4]: "silent" | "default".
// Tells its parent the port over IPC, answers 'cpu' messages with its CPU time, and serves
// until its parent disconnects.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createZhichiRouter } from '../../lib/index';
import {
  APP_ID,
  type BenchMode,
  CREDENTIALS,
  expectedAnswer,
  payParamsHandler,
  silentLogger,
} from './fixtures';

async function main() {
  const [kind, mode, logging] = process.argv.slice(2) as ['ours' | 'bare', BenchMode, string];
  const app = express();
  if (kind === 'ours') {
    app.use(
      '/zhichi',
      createZhichiRouter({
        apps: { [APP_ID]: CREDENTIALS },
        // 'default' leaves the logger out: the library's winston console logger is used.
        ...(logging === 'default' ? {} : { logger: silentLogger }),
        payParams: payParamsHandler,
        refund: async () => ({}),
        refundQuery: async () => 'NOT_REFUND_YET' as const,
      }),
    );
  } else {
    // The bar: the same body parser, a fixed answer of exactly the router's bytes.
    const answer = await expectedAnswer(mode);
    app.post('/zhichi/pay-params', express.urlencoded({ extended: false }), (_req, res) => {
      res.type('application/json; charset=utf-8').send(answer);
    });
  }
  const server = app.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  server.keepAliveTimeout = 60_000;
  // The parent asks for CPU time around each load run: CPU per request is steadier than
  // requests/s on a machine shared with other work.
  process.on('message', (message) => {
    if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
