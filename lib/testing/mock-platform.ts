import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AesCodec } from '../protocol/aes';
import { verifyData } from '../protocol/sign';
import { parseSignType, type SignMode } from '../protocol/sign-type';

/** How the mock platform answers one request. */
export type MockReply =
  /** HTTP 200, body `SUCCESS`: the notice is delivered. */
  | { kind: 'success' }
  /** HTTP 200 with the platform's error message as the body. */
  | { kind: 'error'; message: string }
  /** Any HTTP status (500, 429, 503…), with an optional body, `Retry-After` and headers. */
  | {
      kind: 'status';
      status: number;
      body?: string;
      retryAfter?: string | number;
      headers?: Record<string, string>;
    }
  /** Never answers; the connection stays open until the client gives up or the mock closes. */
  | { kind: 'hang' }
  /** Reads the request, then destroys the connection without answering. */
  | { kind: 'drop' }
  /** A slow platform: gives `reply` (default `success`) after `ms` milliseconds. */
  | { kind: 'slow'; ms: number; reply?: MockReply };

/** Keys of one app the mock platform knows, to verify signatures and decrypt notices. */
export interface MockPlatformApp {
  /** Verifies `MD5` notices. */
  md5Key?: string;
  /** With `aesToken`, decrypts `PKCS#7` notices. */
  aesKey?: string;
  aesToken?: string;
}

/** Options of {@link startMockPlatform}. */
export interface MockPlatformOptions {
  /** The apps the platform knows, by `app_id`. A notice for another app is answered an error. */
  apps: Record<string, MockPlatformApp>;
  /**
   * The answer once the script (see {@link MockPlatform.script}) is used up.
   * @default { kind: 'success' }
   */
  defaultReply?: MockReply;
  /**
   * The path notices are posted to (any other path gets 404).
   * @default '/index.php/pay/Notify/ThirdApiPaymentCallback'
   */
  path?: string;
}

/** One request the mock platform received, decoded. */
export interface ReceivedNotice {
  /** When it arrived (epoch ms, real clock). */
  receivedAt: number;
  /** The raw urlencoded body. */
  rawBody: string;
  /** The four envelope fields as received (missing ones are empty strings). */
  envelope: { app_id: string; data: string; sign: string; sign_type: string };
  mode?: SignMode;
  /** The JSON text carried: `data` itself for MD5, the decrypted text for PKCS#7. */
  dataText?: string;
  /** `dataText` parsed, when it is a JSON object. */
  data?: Record<string, unknown>;
  /** True when the envelope is well formed, the app known, and the signature or encryption good. */
  valid: boolean;
  /** Why it is not valid. */
  problem?: string;
  /** What the mock answered (for an invalid notice: an error naming the problem). */
  reply: MockReply;
}

const DEFAULT_PATH = '/index.php/pay/Notify/ThirdApiPaymentCallback';

/**
 * A stand-in for the platform's payment-success endpoint: a real HTTP server on 127.0.0.1
 * (a free port), which checks notices as the platform would and answers as scripted.
 * Create it with {@link startMockPlatform}; always {@link MockPlatform.close} it.
 */
export class MockPlatform {
  /** Every request received, in order of arrival. */
  readonly notices: ReceivedNotice[] = [];
  /** The notify URL to give the notifier. */
  readonly url: string;
  private readonly queue: MockReply[] = [];
  private defaultReply: MockReply;
  private readonly waiters = new Set<() => void>();
  private closing?: Promise<void>;

  private constructor(
    private readonly server: Server,
    private readonly options: MockPlatformOptions,
    path: string,
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}${path}`;
    this.defaultReply = options.defaultReply ?? { kind: 'success' };
  }

  /** @internal Use {@link startMockPlatform}. */
  static async start(options: MockPlatformOptions): Promise<MockPlatform> {
    const path = options.path ?? DEFAULT_PATH;
    let platform: MockPlatform | undefined;
    const server = createServer((req, res) => {
      platform?.handle(req, res, path);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    platform = new MockPlatform(server, options, path);
    return platform;
  }

  /** Queues answers for the next valid requests, in order; then the default reply applies. */
  script(...replies: MockReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Changes the answer given once the script is used up. */
  setDefaultReply(reply: MockReply): this {
    this.defaultReply = reply;
    return this;
  }

  /** Valid notices received for `orderId`. */
  noticesFor(orderId: string): ReceivedNotice[] {
    return this.notices.filter((n) => n.valid && n.data?.order_id === orderId);
  }

  /**
   * Resolves once at least `count` requests have arrived (valid or not); rejects after
   * `timeoutMs` of real time.
   */
  async waitForRequests(count: number, timeoutMs = 5000): Promise<ReceivedNotice[]> {
    if (this.notices.length >= count) return this.notices.slice();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.notices.length < count) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(this.notices.slice());
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `mock platform: ${this.notices.length} of ${count} requests after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Stops listening and ends every open connection, hanging ones included. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== path) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const notice = this.decode(rawBody, req.headers['content-type']);
      const reply: MockReply = notice.valid
        ? (this.queue.shift() ?? this.defaultReply)
        : { kind: 'error', message: notice.problem ?? 'invalid notice' };
      this.notices.push({ ...notice, reply });
      for (const waiter of [...this.waiters]) waiter();
      this.answer(reply, req, res);
    });
  }

  private answer(reply: MockReply, req: IncomingMessage, res: ServerResponse): void {
    switch (reply.kind) {
      case 'success':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('SUCCESS');
        return;
      case 'error':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(reply.message);
        return;
      case 'status': {
        const headers: Record<string, string> = { 'content-type': 'text/plain', ...reply.headers };
        if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter);
        res.writeHead(reply.status, headers).end(reply.body ?? '');
        return;
      }
      case 'hang':
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'slow': {
        const timer = setTimeout(() => {
          if (!res.destroyed) this.answer(reply.reply ?? { kind: 'success' }, req, res);
        }, reply.ms);
        res.on('close', () => clearTimeout(timer));
        return;
      }
    }
  }

  private decode(rawBody: string, contentType: string | undefined): Omit<ReceivedNotice, 'reply'> {
    const form = new URLSearchParams(rawBody);
    const envelope = {
      app_id: form.get('app_id') ?? '',
      data: form.get('data') ?? '',
      sign: form.get('sign') ?? '',
      sign_type: form.get('sign_type') ?? '',
    };
    const base = { receivedAt: Date.now(), rawBody, envelope };
    const invalid = (problem: string, extra: Partial<ReceivedNotice> = {}) => ({
      ...base,
      ...extra,
      valid: false,
      problem,
    });
    if (!contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return invalid(`content type is ${contentType ?? 'missing'}, not a urlencoded form`);
    }
    const mode = parseSignType(envelope.sign_type);
    if (!mode) return invalid(`unsupported sign_type "${envelope.sign_type}"`);
    const app = this.options.apps[envelope.app_id];
    if (!app) return invalid(`unknown app_id "${envelope.app_id}"`, { mode });
    let dataText: string;
    if (mode === 'MD5') {
      if (app.md5Key === undefined) return invalid('the app has no md5 key', { mode });
      dataText = envelope.data;
      if (!verifyData(dataText, envelope.sign, app.md5Key)) {
        return invalid('signature mismatch', { mode, dataText });
      }
    } else {
      if (app.aesKey === undefined || app.aesToken === undefined) {
        return invalid('the app has no AES key and token', { mode });
      }
      try {
        dataText = new AesCodec(app.aesKey, app.aesToken).decrypt(envelope.data);
      } catch (e) {
        return invalid(`cannot decrypt: ${(e as Error).message}`, { mode });
      }
    }
    let data: unknown;
    try {
      data = JSON.parse(dataText);
    } catch {
      return invalid('data is not JSON', { mode, dataText });
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      return invalid('data is not a JSON object', { mode, dataText });
    }
    const fields = data as Record<string, unknown>;
    if (fields.app_id !== envelope.app_id) {
      return invalid('data.app_id differs from the envelope app_id', {
        mode,
        dataText,
        data: fields,
      });
    }
    return { ...base, mode, dataText, data: fields, valid: true };
  }
}

/** Starts a {@link MockPlatform} on a free loopback port. */
export function startMockPlatform(options: MockPlatformOptions): Promise<MockPlatform> {
  return MockPlatform.start(options);
}
