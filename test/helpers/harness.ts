import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import express, { type Express } from 'express';
import {
  createZhichiRouter,
  decryptData,
  type PayParamsRequest,
  type RefundQueryRequest,
  type RefundRequest,
  type ResponseEnvelope,
  signData,
  type ZhichiRouterOptions,
} from '../../lib/index';
import { PlatformSimulator, type SimulatedResponse } from '../../lib/testing/platform-simulator';
import {
  AES_KEY,
  AES_TOKEN,
  APP_ID,
  CapturingLogger,
  credentials,
  MD5_KEY,
  payParamsData,
} from './fixtures';

/** Pay params a well-behaved handler answers, with one extra field to pass through. */
export const samplePayParams = {
  timeStamp: '1556000000',
  nonceStr: 'n0nce5tr',
  package: 'prepay_id=wx201410272009395522657a690389285100',
  signType: 'MD5',
  paySign: 'C380BEC2BFD727A4B6845133519F3AD6',
  appId: 'wxd678efh567hg6787',
};

/** Every secret that must never reach a log line. */
export const SECRETS: readonly string[] = [MD5_KEY, AES_KEY, AES_TOKEN, payParamsData.openid];

/** Fails when any secret appears in what `logger` captured. */
export function assertNoSecretsLogged(
  logger: CapturingLogger,
  extra: readonly string[] = [],
): void {
  const text = logger.text();
  for (const secret of [...SECRETS, ...extra]) {
    assert.ok(!text.includes(secret), `a secret (${secret.length} chars) appears in the logs`);
  }
}

/** Fails when a response body looks like it carries a stack trace or source paths. */
export function assertNoStackTrace(body: string): void {
  assert.doesNotMatch(body, /\n\s+at |\bat [\w.<>]+ \(|\.ts:\d+|node_modules|Error: /);
}

/** MD5 of `text + key`, written independently of the library's signing code. */
export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * Opens a response envelope as the platform would, with our own keys and the library's
 * primitives only: checks the MD5 signature over the response's own `data` text, or
 * decrypts. Returns the JSON value of data.
 */
export function openResponse(envelope: ResponseEnvelope | undefined): unknown {
  assert.ok(envelope, 'the body is a JSON envelope');
  const mode = envelope.sign_type.toUpperCase().replace('#', '');
  if (mode === 'MD5') {
    assert.equal(envelope.sign, signData(envelope.data, MD5_KEY), 'response sign matches its data');
    return JSON.parse(envelope.data);
  }
  assert.equal(mode, 'PKCS7');
  assert.equal(envelope.sign, '', 'PKCS#7 responses have an empty sign');
  return JSON.parse(decryptData(envelope.data, AES_KEY, AES_TOKEN));
}

/** The handler calls one test app saw. */
export interface Calls {
  payParams: PayParamsRequest[];
  refund: RefundRequest[];
  refundQuery: RefundQueryRequest[];
}

export interface TestApp {
  app: Express;
  logger: CapturingLogger;
  calls: Calls;
  /** A simulator for this app (closed after the test). */
  platform(
    signType?: string,
    keys?: Partial<typeof credentials> & { appId?: string },
  ): PlatformSimulator;
}

/**
 * Per-test resources of a suite: apps with capturing loggers and simulators. After each
 * test the simulators are closed and every captured log is checked for secrets.
 */
export function useTestApps(): {
  create(options?: Partial<ZhichiRouterOptions>, host?: (app: Express) => void): TestApp;
  track(sim: PlatformSimulator): PlatformSimulator;
  loggers: CapturingLogger[];
} {
  const simulators: PlatformSimulator[] = [];
  const loggers: CapturingLogger[] = [];
  afterEach(async () => {
    const open = simulators.splice(0);
    await Promise.all(open.map((s) => s.close()));
    const logs = loggers.splice(0);
    for (const logger of logs) assertNoSecretsLogged(logger);
  });
  const track = (sim: PlatformSimulator) => {
    simulators.push(sim);
    return sim;
  };
  return {
    loggers,
    track,
    create(options = {}, host) {
      const logger = new CapturingLogger();
      loggers.push(logger);
      const calls: Calls = { payParams: [], refund: [], refundQuery: [] };
      const app = express();
      host?.(app);
      app.use(
        '/zhichi',
        createZhichiRouter({
          apps: { [APP_ID]: credentials },
          logger,
          payParams: async (request) => {
            calls.payParams.push(request);
            return samplePayParams;
          },
          refund: async (request) => {
            calls.refund.push(request);
            return { refund_id: '50000000382019052709732678859' };
          },
          refundQuery: async (request) => {
            calls.refundQuery.push(request);
            return 'SUCCESS' as const;
          },
          ...options,
        }),
      );
      return {
        app,
        logger,
        calls,
        platform(signType = 'MD5', keys = {}) {
          const { appId = APP_ID, ...rest } = keys;
          return track(
            new PlatformSimulator({
              appId,
              ...credentials,
              ...rest,
              md5Key: (rest.md5Key ?? MD5_KEY) as string,
              signType,
              target: { app, basePath: '/zhichi' },
            }),
          );
        },
      };
    },
  };
}

/** Shorthand for asserting an error answer's status and HTTP status. */
export function assertStatus(
  response: SimulatedResponse,
  status: number,
  httpStatus = 200,
): asserts response is SimulatedResponse & { envelope: ResponseEnvelope } {
  assert.equal(
    response.status,
    status,
    `expected status ${status}, got ${response.status}: ${response.body}`,
  );
  assert.equal(response.httpStatus, httpStatus);
  assert.ok(response.envelope);
  assertNoStackTrace(response.body);
}
