import { createExampleApp } from './app';
import { describeConfig, loadConfig } from './config';

const config = loadConfig();
const app = createExampleApp(config);
const server = app.listen(config.port, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  console.log(`express-zhichi-pay example listening on http://localhost:${port}`);
  console.log('  POST /zhichi/pay-params  POST /zhichi/refund  POST /zhichi/refund-query');
  for (const line of describeConfig(config)) console.log(`  ${line}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
