import bodyParser from 'body-parser';
import type { Request, Response } from 'express';
import {
  MalformedEnvelopeError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  type ZhichiError,
} from '../protocol/errors';

/** The decoded form fields, or why they could not be had. */
export type ParsedBody =
  | { fields: unknown; error?: undefined }
  | { fields?: undefined; error: ZhichiError };

const FORM = 'application/x-www-form-urlencoded';

function hasParsedForm(req: Request): boolean {
  const body: unknown = req.body;
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return false;
  return (req as { _body?: boolean })._body === true || Object.keys(body).length > 0;
}

/**
 * Reads the urlencoded form of a request, whether or not the host app already parsed it.
 * A body over `limit` is a {@link PayloadTooLargeError} (413), a body of another type an
 * {@link UnsupportedMediaTypeError} (415); the body is never read twice.
 */
export function createBodyReader(
  limit: number | string,
): (req: Request, res: Response) => Promise<ParsedBody> {
  const parser = bodyParser.urlencoded({ extended: false, limit, parameterLimit: 32, type: FORM });
  return (req, res) => {
    const declared = req.get('content-type');
    if (declared !== undefined && req.is(FORM) === false) {
      return Promise.resolve({
        error: new UnsupportedMediaTypeError(
          `the body must be ${FORM}, not ${declared.split(';')[0]?.trim().slice(0, 64)}`,
        ),
      });
    }
    if (hasParsedForm(req)) return Promise.resolve({ fields: req.body });
    if (declared === undefined) {
      return Promise.resolve({
        error: new UnsupportedMediaTypeError(`the request has no content type; send ${FORM}`),
      });
    }
    return new Promise((resolve) => {
      parser(req, res, (err?: unknown) => {
        if (!err) {
          resolve({ fields: req.body ?? {} });
          return;
        }
        const type = (err as { type?: string }).type;
        if (type === 'entity.too.large' || type === 'parameters.too.many') {
          resolve({
            error: new PayloadTooLargeError(`the body is larger than the limit of ${limit}`, {
              cause: err,
            }),
          });
        } else if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
          resolve({
            error: new UnsupportedMediaTypeError('the body must be UTF-8 text, not compressed', {
              cause: err,
            }),
          });
        } else {
          resolve({
            error: new MalformedEnvelopeError('the body is not a readable urlencoded form', {
              cause: err,
            }),
          });
        }
      });
    });
  };
}
