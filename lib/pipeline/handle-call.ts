import type { EndpointSpec } from '../endpoints/endpoint';
import type { HandlerContext } from '../endpoints/types';
import type { ResolvedApp } from '../protocol/credentials';
import { type RequestEnvelope, type ResponseEnvelope, readEnvelope } from '../protocol/envelope';
import { UnknownAppError, UnsupportedSignTypeError, ZhichiError } from '../protocol/errors';
import { parseSignType, type SignMode } from '../protocol/sign-type';
import { Status } from '../protocol/status';
import { authenticate } from './authenticate';
import type { PipelineConfig } from './config';
import { dispatch } from './dispatch';
import { errorSealing, seal } from './seal';
import { validate } from './validate';

/** The answer to one platform call: HTTP status and JSON envelope. */
export interface CallResult {
  httpStatus: number;
  envelope: ResponseEnvelope;
}

/** The message answered for a failure that is ours, not the platform's: no details leak. */
const INTERNAL_MESSAGE = 'internal error; the merchant has been alerted';

/**
 * One platform call from decoded form fields to the response envelope, with no HTTP in
 * sight: read the envelope → look the app up → authenticate → validate → dispatch → seal.
 * Never throws: every failure becomes an error envelope and a log line.
 *
 * @param preError a failure found while reading the body (size, content type), answered
 *   as it is, sealed for the app when the fields still name one.
 */
export async function handleCall<Req, Answer>(
  spec: EndpointSpec<Req, Answer>,
  handler: (request: Req, context: HandlerContext) => unknown,
  fields: unknown,
  config: PipelineConfig,
  preError?: ZhichiError,
): Promise<CallResult> {
  const started = config.now();
  let envelope: RequestEnvelope | undefined;
  let app: ResolvedApp | undefined;
  let mode: SignMode | undefined;
  let logFields: Record<string, unknown> = {};
  try {
    if (preError) throw preError;
    envelope = readEnvelope(fields);
    try {
      app = await config.resolveApp(envelope.app_id);
    } catch (error) {
      if (error instanceof ZhichiError) throw error;
      throw new ZhichiError('the app lookup failed', 'APP_LOOKUP_FAILED', Status.INTERNAL_ERROR, {
        cause: error,
      });
    }
    if (!app)
      throw new UnknownAppError(`unknown app_id ${JSON.stringify(envelope.app_id.slice(0, 64))}`);
    mode = parseSignType(envelope.sign_type);
    if (!mode) {
      // The caller's sign_type is not echoed: this answer is signed with the app's key before
      // the caller is authenticated, and a chosen text inside a signed {"msg"} can be made
      // canonically equal to a forged request (e.g. sign_type "&order_id=1&refund_order_id=x"
      // yields a valid signature for a refund query). Only fixed texts are signed here.
      throw new UnsupportedSignTypeError('unsupported sign_type: use MD5 or PKCS#7');
    }
    const opened = authenticate(envelope, app, mode);
    const request = validate(spec, opened.value, app.appId);
    logFields = spec.logFields(request);
    const answer = await dispatch(
      spec,
      handler,
      request,
      { appId: app.appId, mode, signType: envelope.sign_type, logger: config.logger },
      config,
    );
    const result = {
      httpStatus: 200,
      envelope: seal(app, mode, envelope.sign_type, Status.OK, answer),
    };
    config.logger.info(`zhichi ${spec.name} ok`, {
      endpoint: spec.name,
      app_id: app.appId,
      sign_type: mode,
      status: Status.OK,
      duration_ms: config.now() - started,
      ...logFields,
    });
    return result;
  } catch (thrown) {
    const error =
      thrown instanceof ZhichiError
        ? thrown
        : new ZhichiError('unexpected failure', 'INTERNAL', Status.INTERNAL_ERROR, {
            cause: thrown,
          });
    if (envelope === undefined && !preError) {
      // The envelope could not be read, but its app_id may still name a known app: then
      // PROTOCOL.md ("Status codes") wants the error sealed for it like any other answer.
      // Not for preError: its message may quote the caller's content type (see above on
      // never signing a caller's chosen text).
      app = await lookUpQuietly(fields, config);
      if (app) mode = parseSignType(signTypeOf(fields));
    }
    const internal = error.status === Status.INTERNAL_ERROR;
    const msg = internal ? INTERNAL_MESSAGE : error.message;
    const meta: Record<string, unknown> = {
      endpoint: spec.name,
      app_id: envelope?.app_id ?? appIdOf(fields),
      sign_type: mode,
      status: error.status,
      code: error.code,
      msg: error.message,
      duration_ms: config.now() - started,
      ...logFields,
    };
    if (internal) {
      const cause = error.cause;
      meta.cause =
        cause instanceof Error
          ? `${cause.name}: ${cause.message}`
          : cause === undefined
            ? undefined
            : String(cause);
      meta.stack = cause instanceof Error ? cause.stack : error.stack;
      config.logger.error(`zhichi ${spec.name} failed`, meta);
    } else {
      config.logger.warn(`zhichi ${spec.name} refused`, meta);
    }
    return {
      httpStatus: error.httpStatus,
      envelope: errorEnvelope(error.status, msg, fields, envelope, app, mode),
    };
  }
}

function appIdOf(fields: unknown): string {
  if (fields !== null && typeof fields === 'object' && Object.hasOwn(fields, 'app_id')) {
    const value = (fields as Record<string, unknown>).app_id;
    if (typeof value === 'string') return value.slice(0, 64);
  }
  return '';
}

/** The app a malformed form names, if it names one we serve; never throws. */
async function lookUpQuietly(
  fields: unknown,
  config: PipelineConfig,
): Promise<ResolvedApp | undefined> {
  if (fields === null || typeof fields !== 'object' || !Object.hasOwn(fields, 'app_id')) {
    return undefined;
  }
  const appId = (fields as Record<string, unknown>).app_id;
  if (typeof appId !== 'string' || appId === '') return undefined;
  try {
    return await config.resolveApp(appId);
  } catch {
    return undefined;
  }
}

function signTypeOf(fields: unknown): string {
  if (fields !== null && typeof fields === 'object' && Object.hasOwn(fields, 'sign_type')) {
    const value = (fields as Record<string, unknown>).sign_type;
    if (typeof value === 'string') return value.slice(0, 32);
  }
  return '';
}

function errorEnvelope(
  status: number,
  msg: string,
  fields: unknown,
  envelope: RequestEnvelope | undefined,
  app: ResolvedApp | undefined,
  mode: SignMode | undefined,
): ResponseEnvelope {
  if (app) {
    const sealing = errorSealing(app, mode, envelope?.sign_type ?? signTypeOf(fields));
    return seal(app, sealing.mode, sealing.signType, status, { msg }, msg);
  }
  return {
    app_id: envelope?.app_id.slice(0, 64) ?? appIdOf(fields),
    status,
    data: '',
    sign: '',
    sign_type: envelope?.sign_type.slice(0, 32) ?? signTypeOf(fields),
    msg,
  };
}
