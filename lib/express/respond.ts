import type { Response } from 'express';
import type { CallResult } from '../pipeline/handle-call';

/**
 * Writes the envelope as the JSON body. Serialised here rather than with `res.json()` so
 * the host app's JSON settings (spaces, replacer) never change what the platform reads.
 */
export function respond(res: Response, result: CallResult): void {
  if (res.headersSent) return;
  res
    .status(result.httpStatus)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(result.envelope));
}
