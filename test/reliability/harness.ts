// Shared tools of the reliability suite: a loopback server, a raw HTTP client, envelope
// checks, process and prototype guards, log capture and secret checks, run counts.
import assert from 'node:assert/strict';
import {
  Agent,
  createServer,
  request as httpRequest,
  type RequestListener,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import winston from 'winston';
import { decryptData, parsePhpJson, parseSignType, signData } from '../../lib/index';
import { AES_KEY, AES_TOKEN, MD5_KEY } from '../helpers/fixtures';

/** Runs of a property: `FUZZ_RUNS` when set (a positive integer), else `fallback`. */
export function fuzzRuns(fallback: number): number {
  const raw = process.env.FUZZ_RUNS;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`FUZZ_RUNS must be a positive integer`);
  return n;
}

/** fast-check parameters: the run count, and `FUZZ_SEED` to replay a failure. */
export function fcParams(fallbackRuns: number): { numRuns: number; seed?: number } {
  const seed = process.env.FUZZ_SEED;
  return {
    numRuns: fuzzRuns(fallbackRuns),
    ...(seed !== undefined && seed !== '' ? { seed: Number(seed) } : {}),
  };
}

/** A mocha timeout that grows with `FUZZ_RUNS` (none when the runs were raised). */
export function fuzzTimeout(ms: number): number {
  return process.env.FUZZ_RUNS ? 0 : ms;
}

export interface LoopbackServer {
  url: string;
  agent: Agent;
  close(): Promise<void>;
}

/** Serves `app` on 127.0.0.1 on a free port, with a keep-alive agent to reach it. */
export async function listen(app: RequestListener, maxSockets = 16): Promise<LoopbackServer> {
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    url: `http://127.0.0.1:${port}`,
    agent,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface RawResponse {
  httpStatus: number;
  contentType: string | undefined;
  body: string;
}

/**
 * POSTs `body` bytes as they are. `contentType` undefined sends no Content-Type header.
 * Rejects only on a transport error (connection refused or reset, timeout).
 */
export function rawPost(
  server: LoopbackServer,
  path: string,
  body: Buffer | string,
  contentType: string | undefined,
  extraHeaders: Record<string, string> = {},
): Promise<RawResponse> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const headers: Record<string, string | number> = {
    'content-length': bytes.length,
    ...extraHeaders,
  };
  if (contentType !== undefined) headers['content-type'] = contentType;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.url}${path}`,
      { method: 'POST', headers, agent: server.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            httpStatus: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error(`request to ${path} timed out`)));
    req.on('error', reject);
    req.end(bytes);
  });
}

/** Encodes fields as a urlencoded form, in order, duplicates kept. */
export function form(fields: Record<string, string> | [string, string][]): string {
  const pairs = Array.isArray(fields) ? fields : Object.entries(fields);
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

export const FORM = 'application/x-www-form-urlencoded';

/** The status codes of PROTOCOL.md. */
export const KNOWN_STATUSES = new Set([
  0, 40001, 40002, 40003, 40004, 40005, 40006, 40900, 42200, 50000,
]);

export interface CheckedEnvelope {
  app_id: string;
  status: number;
  data: string;
  sign: string;
  sign_type: string;
  msg?: string;
  /** The JSON text of data, verified (MD5) or decrypted (PKCS#7); undefined when data is empty. */
  dataText?: string;
}

/**
 * Asserts that a response is a well-formed envelope as PROTOCOL.md describes it: HTTP 200
 * (413/415 for size and type), a JSON body with the four string fields and a known integer
 * status, a `msg` on errors, and `data` signed or encrypted with the keys of `knownApps`
 * (empty data and sign for an app we do not serve). Returns the envelope.
 */
export function checkEnvelope(res: RawResponse, knownApps: ReadonlySet<string>): CheckedEnvelope {
  const where = `HTTP ${res.httpStatus}: ${res.body.slice(0, 300)}`;
  assert.ok([200, 413, 415].includes(res.httpStatus), `unexpected HTTP status: ${where}`);
  assert.match(String(res.contentType), /^application\/json/, `not JSON: ${where}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    assert.fail(`body is not JSON: ${where}`);
  }
  assert.ok(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed), where);
  // The platform reads the answer with PHP's json_decode, stricter than JSON.parse (no lone
  // surrogate escapes, 512 levels at most).
  assert.doesNotThrow(() => parsePhpJson(res.body), `PHP could not decode the body: ${where}`);
  const env = parsed as Record<string, unknown>;
  for (const field of ['app_id', 'data', 'sign', 'sign_type'] as const) {
    assert.equal(typeof env[field], 'string', `${field} is not a string: ${where}`);
  }
  assert.ok(
    typeof env.status === 'number' && KNOWN_STATUSES.has(env.status),
    `unknown status: ${where}`,
  );
  const envelope = env as unknown as CheckedEnvelope;
  if (envelope.status !== 0) {
    assert.equal(typeof envelope.msg, 'string', `error without msg: ${where}`);
    // Ours are never empty; a BusinessError's message is the merchant's own, sent as is.
    if (envelope.status !== 42200)
      assert.ok((envelope.msg as string).length > 0, `empty msg: ${where}`);
  }
  if (res.httpStatus !== 200) assert.notEqual(envelope.status, 0, where);
  if (!knownApps.has(envelope.app_id)) {
    assert.equal(envelope.data, '', `data for an unknown app: ${where}`);
    assert.equal(envelope.sign, '', `sign for an unknown app: ${where}`);
    return envelope;
  }
  assert.notEqual(envelope.data, '', `no data for a known app: ${where}`);
  envelope.dataText = openResponseData(envelope, where);
  if (envelope.status !== 0) {
    const value = JSON.parse(envelope.dataText) as { msg?: unknown };
    assert.equal(value.msg, envelope.msg, `data.msg differs from msg: ${where}`);
  }
  return envelope;
}

/** Verifies (MD5, with signData) or decrypts (PKCS#7) a response's data; returns its text. */
export function openResponseData(
  envelope: Pick<CheckedEnvelope, 'data' | 'sign' | 'sign_type'>,
  where = '',
): string {
  const mode = parseSignType(envelope.sign_type);
  if (mode === 'MD5') {
    assert.equal(envelope.sign, signData(envelope.data, MD5_KEY), `bad response sign: ${where}`);
    parsePhpJson(envelope.data);
    return envelope.data;
  }
  assert.equal(mode, 'PKCS#7', `response sign_type is neither mode: ${where}`);
  assert.equal(envelope.sign, '', `PKCS#7 response with a sign: ${where}`);
  const text = decryptData(envelope.data, AES_KEY, AES_TOKEN);
  parsePhpJson(text);
  return text;
}

/** Records `uncaughtException` and `unhandledRejection` while installed. */
export class ProcessGuard {
  readonly events: string[] = [];
  private readonly onUncaught = (error: unknown) => {
    this.events.push(`uncaughtException: ${describe(error)}`);
  };
  private readonly onRejection = (reason: unknown) => {
    this.events.push(`unhandledRejection: ${describe(reason)}`);
  };

  install(): void {
    process.on('uncaughtException', this.onUncaught);
    process.on('unhandledRejection', this.onRejection);
  }

  uninstall(): void {
    process.off('uncaughtException', this.onUncaught);
    process.off('unhandledRejection', this.onRejection);
  }

  assertQuiet(): void {
    assert.deepEqual(this.events, [], 'the process recorded an uncaught error');
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

const PROTOTYPES: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
];

/** A snapshot of the built-in prototypes' own properties, to detect pollution. */
export function snapshotPrototypes(): Map<string, string[]> {
  return new Map(PROTOTYPES.map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String)]));
}

/** Asserts that nothing was added to or removed from the built-in prototypes. */
export function assertNotPolluted(before: Map<string, string[]>): void {
  const probe = {} as Record<string, unknown>;
  for (const key of ['polluted', 'isAdmin', 'x', '0', 'a']) {
    assert.equal(probe[key], undefined, `({}).${key} is defined: prototype polluted`);
  }
  assert.equal(Object.getPrototypeOf(probe), Object.prototype);
  for (const [name, keys] of snapshotPrototypes()) {
    assert.deepEqual(keys, before.get(name), `${name} changed`);
  }
}

/** A real winston logger writing JSON lines into memory. */
export function memoryWinston(): { logger: winston.Logger; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, text: () => chunks.join('') };
}

/** The secrets of the test apps, by name, as they must never appear in a log. */
export const SECRETS: Record<string, string> = {
  'md5 key': MD5_KEY,
  'AES key': AES_KEY,
  'AES token': AES_TOKEN,
};

/** Asserts that none of `secrets` (and none of the fixture keys) appears in `text`. */
export function assertNoSecrets(text: string, secrets: Record<string, string> = {}): void {
  for (const [name, secret] of Object.entries({ ...SECRETS, ...secrets })) {
    assert.equal(text.includes(secret), false, `the log contains the ${name}`);
  }
}
