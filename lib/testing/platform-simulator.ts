import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AesCodec } from '../protocol/aes';
import type { RequestEnvelope, ResponseEnvelope } from '../protocol/envelope';
import { ConfigurationError } from '../protocol/errors';
import { type PhpValue, parsePhpJson, phpToJs } from '../protocol/php-json';
import { type SealingKeys, sealRequest } from '../protocol/seal-request';
import { canonicalStringOf, verifyCanonical } from '../protocol/sign';
import { parseSignType } from '../protocol/sign-type';

/** Where the simulator sends its calls: a base URL, or an app it serves on loopback itself. */
export type SimulatorTarget =
  /** The base URL of the three endpoints, e.g. `http://localhost:3000/zhichi`. */
  | { url: string }
  /** An app (Express or any request listener) and the path the router is mounted at. */
  | { app: RequestListener; basePath?: string };

/** Options of {@link PlatformSimulator}. */
export interface PlatformSimulatorOptions extends SealingKeys {
  appId: string;
  /** Where the merchant's three endpoints live (`…/pay-params` etc. are appended). */
  target: SimulatorTarget;
  /**
   * The `sign_type` written in requests.
   * @default 'MD5'
   */
  signType?: string;
  /** HTTP client. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** What the merchant answered, decoded and checked as the platform would. */
export interface SimulatedResponse<T = unknown> {
  /** HTTP status. */
  httpStatus: number;
  /** The envelope's `status` (0 is success). */
  status: number;
  /** `msg` of an error envelope. */
  msg: string | undefined;
  /** Decoded `data` (JSON value), or undefined when empty or unreadable. */
  data: T | undefined;
  /** The JSON text of `data` (decrypted in PKCS#7 mode). */
  dataText: string | undefined;
  /**
   * MD5: the signature verified; PKCS#7: data decrypted to JSON. False too when `data` is
   * empty (errors for unknown apps carry no data).
   */
  signatureValid: boolean;
  /** The envelope the simulator sent. */
  request: RequestEnvelope;
  /** The raw response envelope (undefined when the body was not JSON). */
  envelope: ResponseEnvelope | undefined;
  /** The raw body text. */
  body: string;
}

/**
 * Plays the platform: seals each call exactly as the platform's PHP does, posts it as a
 * urlencoded form, verifies or decrypts the answer. Use it in your own tests.
 */
export class PlatformSimulator {
  private readonly options: PlatformSimulatorOptions;
  private readonly fetchImpl: typeof fetch;
  private server: Promise<{ server: Server; url: string }> | undefined;

  constructor(options: PlatformSimulatorOptions) {
    if (!options?.appId) throw new ConfigurationError('appId is required');
    if (!options.target) throw new ConfigurationError('target must be { url } or { app }');
    this.options = options;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  /** 获取支付参数 */
  payParams(data: Record<string, unknown>): Promise<SimulatedResponse<Record<string, unknown>>> {
    return this.call('pay-params', data) as Promise<SimulatedResponse<Record<string, unknown>>>;
  }

  /** 退款 */
  refund(data: Record<string, unknown>): Promise<SimulatedResponse<Record<string, unknown>>> {
    return this.call('refund', data) as Promise<SimulatedResponse<Record<string, unknown>>>;
  }

  /** 退款查询 */
  refundQuery(data: Record<string, unknown>): Promise<SimulatedResponse<string>> {
    return this.call('refund-query', data) as Promise<SimulatedResponse<string>>;
  }

  /**
   * Sends `data` (a JSON value, or JSON text used as is) to `path`, sealed with the
   * simulator's keys; `app_id` is added to object data unless present.
   */
  async call(
    path: string,
    data: unknown,
    signType = this.options.signType ?? 'MD5',
  ): Promise<SimulatedResponse> {
    const payload =
      data !== null && typeof data === 'object' && !Array.isArray(data) && !('app_id' in data)
        ? { ...data, app_id: this.options.appId }
        : data;
    const request = sealRequest(this.options.appId, payload, this.options, signType);
    return this.send(path, request);
  }

  /** Posts a ready-made envelope (or any fields) and reads the answer. */
  async send(
    path: string,
    fields: RequestEnvelope | Record<string, string>,
  ): Promise<SimulatedResponse> {
    const base = await this.baseUrl();
    const response = await this.fetchImpl(`${base.replace(/\/$/, '')}/${path.replace(/^\//, '')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields as Record<string, string>).toString(),
    });
    const body = await response.text();
    return this.read(response.status, body, fields as unknown as RequestEnvelope);
  }

  /** Decodes and checks a response body as the platform would. */
  read(httpStatus: number, body: string, request: RequestEnvelope): SimulatedResponse {
    let envelope: ResponseEnvelope | undefined;
    try {
      envelope = JSON.parse(body) as ResponseEnvelope;
    } catch {
      envelope = undefined;
    }
    const result: SimulatedResponse = {
      httpStatus,
      status: typeof envelope?.status === 'number' ? envelope.status : Number.NaN,
      msg: envelope?.msg,
      data: undefined,
      dataText: undefined,
      signatureValid: false,
      request,
      envelope,
      body,
    };
    if (!envelope || typeof envelope.data !== 'string' || envelope.data === '') return result;
    const mode = parseSignType(String(envelope.sign_type));
    let text: string | undefined;
    let value: PhpValue | undefined;
    try {
      if (mode === 'MD5' && this.options.md5Key) {
        text = envelope.data;
        value = parsePhpJson(text);
        result.signatureValid = verifyCanonical(
          canonicalStringOf(value),
          String(envelope.sign),
          this.options.md5Key,
        );
      } else if (
        mode === 'PKCS#7' &&
        this.options.aesKey !== undefined &&
        this.options.aesToken !== undefined
      ) {
        text = new AesCodec(this.options.aesKey, this.options.aesToken).decrypt(envelope.data);
        value = parsePhpJson(text);
        result.signatureValid = envelope.sign === '';
      }
    } catch {
      result.signatureValid = false;
    }
    result.dataText = text;
    result.data = value === undefined ? undefined : phpToJs(value);
    return result;
  }

  /** Stops the loopback server started for an `{ app }` target, if any. */
  async close(): Promise<void> {
    const started = this.server;
    this.server = undefined;
    if (!started) return;
    const { server } = await started;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private baseUrl(): Promise<string> | string {
    const { target } = this.options;
    if ('url' in target) return target.url;
    this.server ??= new Promise((resolve, reject) => {
      const server = createServer(target.app);
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        resolve({ server, url: `http://127.0.0.1:${port}${target.basePath ?? ''}` });
      });
    });
    return this.server.then((s) => s.url);
  }
}
