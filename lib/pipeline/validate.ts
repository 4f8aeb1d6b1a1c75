import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { EndpointSpec } from '../endpoints/endpoint';
import { ValidationError } from '../protocol/errors';
import { type PhpValue, phpToJs } from '../protocol/php-json';

const ajv = new Ajv({ allErrors: false, allowUnionTypes: true, strict: true });
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(spec: EndpointSpec<unknown, unknown>): ValidateFunction {
  let validate = compiled.get(spec.schema);
  if (!validate) {
    validate = ajv.compile(spec.schema);
    compiled.set(spec.schema, validate);
  }
  return validate;
}

function describe(error: ErrorObject): string {
  if (error.keyword === 'required') {
    return `data has no ${(error.params as { missingProperty: string }).missingProperty} field`;
  }
  const field =
    error.instancePath === '' ? 'data' : `data${error.instancePath.replaceAll('/', '.')}`;
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
    return `${field} must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${field} ${error.message ?? 'is invalid'}`;
}

/**
 * Checks decoded data against the endpoint's JSON Schema and money rules and builds the
 * typed request for the handler. Throws {@link ValidationError} naming the field.
 */
export function validate<Request>(
  spec: EndpointSpec<Request, unknown>,
  value: PhpValue,
  appId: string,
): Request {
  const data = phpToJs(value);
  const check = validatorFor(spec as EndpointSpec<unknown, unknown>);
  if (!check(data)) {
    const first = check.errors?.[0];
    throw new ValidationError(first ? describe(first) : 'data is invalid');
  }
  const record = data as Record<string, unknown>;
  if (record.app_id !== undefined && record.app_id !== appId) {
    throw new ValidationError("data.app_id differs from the envelope's app_id");
  }
  return spec.toRequest(record, appId);
}
