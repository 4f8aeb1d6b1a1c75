import { MalformedEnvelopeError } from './errors';

/** The four urlencoded fields of every request, in both directions. */
export interface RequestEnvelope {
  app_id: string;
  data: string;
  sign: string;
  sign_type: string;
}

/** The JSON body the merchant answers the platform with. */
export interface ResponseEnvelope {
  app_id: string;
  /** `0` for success, a code of {@link Status} otherwise. */
  status: number;
  data: string;
  sign: string;
  sign_type: string;
  /** Present on errors only: what went wrong, in words. */
  msg?: string;
}

const FIELDS = ['app_id', 'data', 'sign', 'sign_type'] as const;

/**
 * Reads the envelope from already-decoded form fields. Every field must be one string;
 * `sign` may be missing or empty (it is empty in `PKCS#7` mode; MD5 checks it later).
 * Only these own properties are read, so `__proto__` and friends in a form are ignored.
 */
export function readEnvelope(fields: unknown): RequestEnvelope {
  if (fields === null || typeof fields !== 'object') {
    throw new MalformedEnvelopeError('the body is not a urlencoded form');
  }
  const record = fields as Record<string, unknown>;
  const out: Partial<Record<(typeof FIELDS)[number], string>> = {};
  for (const name of FIELDS) {
    const value = Object.hasOwn(record, name) ? record[name] : undefined;
    if (value === undefined) {
      if (name === 'sign') {
        out.sign = '';
        continue;
      }
      throw new MalformedEnvelopeError(`the form has no ${name} field`);
    }
    if (typeof value !== 'string') {
      throw new MalformedEnvelopeError(`the form's ${name} field must appear once, as plain text`);
    }
    if (value === '' && name !== 'sign') {
      throw new MalformedEnvelopeError(`the form's ${name} field is empty`);
    }
    out[name] = value;
  }
  return out as RequestEnvelope;
}
