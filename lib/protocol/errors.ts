import { Status, type StatusCode } from './status';

/**
 * Base of every error this library raises. `code` is stable and meant for programs;
 * `status` is the protocol status answered to the platform; `httpStatus` the HTTP status.
 */
export class ZhichiError extends Error {
  readonly code: string;
  readonly status: StatusCode;
  readonly httpStatus: number;

  constructor(
    message: string,
    code: string,
    status: StatusCode,
    options?: { cause?: unknown; httpStatus?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.httpStatus = options?.httpStatus ?? 200;
  }
}

/** The request envelope is missing a field, has an empty one, or is not a urlencoded form. */
export class MalformedEnvelopeError extends ZhichiError {
  constructor(message: string, options?: { cause?: unknown; httpStatus?: number }) {
    super(message, 'MALFORMED_ENVELOPE', Status.MALFORMED_ENVELOPE, options);
  }
}

/** The body is larger than the configured `bodyLimit`. */
export class PayloadTooLargeError extends ZhichiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'PAYLOAD_TOO_LARGE', Status.MALFORMED_ENVELOPE, { ...options, httpStatus: 413 });
  }
}

/** The body is not `application/x-www-form-urlencoded`. */
export class UnsupportedMediaTypeError extends ZhichiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'UNSUPPORTED_MEDIA_TYPE', Status.MALFORMED_ENVELOPE, {
      ...options,
      httpStatus: 415,
    });
  }
}

/** The envelope names an `app_id` this merchant does not serve. */
export class UnknownAppError extends ZhichiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'UNKNOWN_APP', Status.UNKNOWN_APP, options);
  }
}

/** The MD5 signature does not match the data under any configured key. */
export class SignatureMismatchError extends ZhichiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'SIGNATURE_MISMATCH', Status.SIGNATURE_MISMATCH, options);
  }
}

/** The `PKCS#7` body is not base64, does not decrypt, or decrypts to something that is not JSON. */
export class DecryptionError extends ZhichiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'DECRYPTION_FAILED', Status.DECRYPTION_FAILED, options);
  }
}

/** Text that should be JSON is not JSON as PHP's `json_decode` reads it. */
export class JsonSyntaxError extends ZhichiError {
  /** Offset in the text where parsing stopped. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message, 'JSON_SYNTAX', Status.MALFORMED_ENVELOPE);
    this.offset = offset;
  }
}

/** `data` decoded but fails the endpoint's schema or the money rules. */
export class ValidationError extends ZhichiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'INVALID_DATA', Status.INVALID_DATA, options);
  }
}

/** The `sign_type` is neither `MD5` nor `PKCS#7`, or the app has no key for it. */
export class UnsupportedSignTypeError extends ZhichiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'UNSUPPORTED_SIGN_TYPE', Status.UNSUPPORTED_SIGN_TYPE, options);
  }
}

/** The same refund (`app_id` + `refund_order_id`) is still being processed. */
export class RefundInProgressError extends ZhichiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'REFUND_IN_PROGRESS', Status.REFUND_IN_PROGRESS, options);
  }
}

/**
 * Throw this from a handler to refuse a request for a business reason (order unknown,
 * balance too low…). Its message is sent to the platform as `msg`, so keep secrets out of it.
 */
export class BusinessError extends ZhichiError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options?.code ?? 'BUSINESS_ERROR', Status.BUSINESS_ERROR, options);
  }
}

/** A handler threw something other than a {@link BusinessError}, or failed unexpectedly. */
export class HandlerError extends ZhichiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'HANDLER_FAILED', Status.INTERNAL_ERROR, options);
  }
}

/** A handler did not settle before its deadline. */
export class HandlerTimeoutError extends ZhichiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'HANDLER_TIMEOUT', Status.INTERNAL_ERROR, options);
  }
}

/** A handler resolved with a value that does not fit the protocol's answer. */
export class InvalidHandlerResultError extends ZhichiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'INVALID_HANDLER_RESULT', Status.INTERNAL_ERROR, options);
  }
}

/** Bad options, raised once at start-up. The message names the option and the fix. */
export class ConfigurationError extends ZhichiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'CONFIGURATION', Status.INTERNAL_ERROR, options);
  }
}
