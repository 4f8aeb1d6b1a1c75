import type { Response } from 'express';
import type { CallResult } from '../pipeline/handle-call';
import { toPhpJson } from '../pipeline/seal';

/**
 * Writes the envelope as the JSON body. Serialised here rather than with `res.json()` so
 * the host app's JSON settings (spaces, replacer) never change what the platform reads, and
 * with {@link toPhpJson}: an unknown `app_id` or `sign_type` echoed cut to length may end in
 * half a surrogate pair, which PHP's json_decode would refuse.
 */
export function respond(res: Response, result: CallResult): void {
  if (res.headersSent) return;
  res
    .status(result.httpStatus)
    .type('application/json; charset=utf-8')
    .send(toPhpJson(result.envelope));
}
