import { randomBytes } from 'node:crypto';
import path from 'node:path';
import express, { type Express } from 'express';
import {
  BusinessError,
  createNotifier,
  createZhichiRouter,
  type NoticeStore,
  type Notifier,
  type RefundStore,
  SqliteStore,
  ValidationError,
  type ZhichiLogger,
} from '../lib/index';
import { PostgresStore } from '../lib/postgres';
import type { ExampleConfig } from './config';
import { SandboxChannel } from './sandbox-channel';

/** What the example app is built from; tests pass their own. */
export interface ExampleDeps {
  logger?: ZhichiLogger;
  channel?: SandboxChannel;
  /**
   * Where notices and refund records live.
   * @default PostgreSQL when `config.databaseUrl` is set, else SQLite in `config.dataDir`
   */
  store?: NoticeStore & RefundStore & { close(): Promise<void> };
  /** @default a notifier on `store` */
  notifier?: Notifier;
}

/** The store the example uses: PostgreSQL when DATABASE_URL is set, SQLite otherwise. */
export function createExampleStore(
  config: ExampleConfig,
): NoticeStore & RefundStore & { close(): Promise<void> } {
  if (config.databaseUrl) {
    // migrate: the example creates its tables at start-up; production runs migratePostgres as a release step.
    return new PostgresStore({ connectionString: config.databaseUrl, migrate: true });
  }
  return new SqliteStore({ path: path.join(config.dataDir, 'zhichi.sqlite') });
}

/** The example app and what must be closed with it. */
export interface ExampleApp {
  app: Express;
  notifier: Notifier;
  close(): Promise<void>;
}

/**
 * Builds the example app: the platform's three calls at /zhichi, served by the sandbox
 * channel, and a sandbox "payment channel callback" that queues payment-success notices.
 */
export function createExampleApp(config: ExampleConfig, deps: ExampleDeps = {}): ExampleApp {
  const channel = deps.channel ?? new SandboxChannel();
  const logger = deps.logger;
  const store = deps.store ?? createExampleStore(config);
  channel.refundRecords ??= store;
  const notifier =
    deps.notifier ??
    createNotifier({
      appId: config.appId,
      md5Key: config.md5Key,
      notifyUrl: config.notifyUrl,
      store,
      ...(logger ? { logger } : {}),
    });
  const app = express();

  app.get('/', (_req, res) => {
    res.json({
      name: 'express-zhichi-pay example',
      endpoints: [
        'POST /zhichi/pay-params',
        'POST /zhichi/refund',
        'POST /zhichi/refund-query',
        'POST /sandbox/orders/:order_id/pay',
        'GET /sandbox/notices/:id',
      ],
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
      // Durable and shared: a refund asked twice, on any instance, runs once.
      refundStore: store,
      ...(logger ? { logger } : {}),
    }),
  );

  // Plays the payment channel's "paid" callback: queue the notice durably, record the payment.
  const sandbox = express.Router();
  sandbox.use(express.json(), express.urlencoded({ extended: false }));
  sandbox.post('/orders/:order_id/pay', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const transactionId =
      typeof body.transaction_id === 'string' && body.transaction_id !== ''
        ? body.transaction_id
        : `4200${Date.now()}${randomBytes(4).toString('hex')}`;
    try {
      const noticeId = await notifier.notifyPaymentSuccess({
        order_id: req.params.order_id,
        transaction_id: transactionId,
        order_type: body.order_type as number | string,
      });
      channel.recordPayment(req.params.order_id, transactionId);
      res.status(202).json({
        order_id: req.params.order_id,
        transaction_id: transactionId,
        notice_id: noticeId,
      });
    } catch (error) {
      if (error instanceof ValidationError || error instanceof BusinessError) {
        res.status(400).json({ error: error.message });
        return;
      }
      throw error;
    }
  });
  sandbox.get('/notices/:id', async (req, res) => {
    const notice = await notifier.getNotice(req.params.id);
    if (!notice) {
      res.status(404).json({ error: `no notice ${req.params.id}` });
      return;
    }
    // The stored body holds the signed envelope; show the state and attempts only.
    const { body: _body, ...shown } = notice;
    res.json(shown);
  });
  app.use('/sandbox', sandbox);

  return {
    app,
    notifier,
    close: async () => {
      await notifier.close();
      await store.close();
    },
  };
}
