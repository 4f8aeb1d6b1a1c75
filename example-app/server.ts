import { createExampleApp } from './app';
import { describeConfig, loadConfig } from './config';

const config = loadConfig();
const { app, close } = createExampleApp(config);
const server = app.listen(config.port, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  console.log(`express-zhichi-pay example listening on http://localhost:${port}`);
  console.log('  POST /zhichi/pay-params  POST /zhichi/refund  POST /zhichi/refund-query');
  console.log('  sandbox: POST /sandbox/orders/:order_id/pay  GET /sandbox/notices/:id');
  for (const line of describeConfig(config)) console.log(`  ${line}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // Stop taking requests, then let the notifier record any attempt in flight.
  process.once(signal, () => server.close(() => void close().then(() => process.exit(0))));
}
