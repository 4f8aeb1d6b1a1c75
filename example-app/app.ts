import express, { type Express } from 'express';
import { createZhichiRouter, type ZhichiLogger } from '../lib/index';
import type { ExampleConfig } from './config';
import { SandboxChannel } from './sandbox-channel';

/** Builds the example app: the platform's three calls at /zhichi, served by the sandbox. */
export function createExampleApp(
  config: ExampleConfig,
  logger?: ZhichiLogger,
  channel = new SandboxChannel(),
): Express {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({
      name: 'express-zhichi-pay example',
      endpoints: ['POST /zhichi/pay-params', 'POST /zhichi/refund', 'POST /zhichi/refund-query'],
    });
  });
  app.use(
    '/zhichi',
    createZhichiRouter({
      apps: {
        [config.appId]: { md5Key: config.md5Key, aesKey: config.aesKey, aesToken: config.aesToken },
      },
      payParams: channel.payParams,
      refund: channel.refund,
      refundQuery: channel.refundQuery,
      ...(logger ? { logger } : {}),
    }),
  );
  return app;
}
