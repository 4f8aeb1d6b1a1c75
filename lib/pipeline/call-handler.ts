import type { EndpointSpec } from '../endpoints/endpoint';
import type { HandlerContext } from '../endpoints/types';
import { checkHandler, resolveCommonOptions, type ZhichiEndpointOptions } from '../express/options';
import { type CallResult, handleCall } from './handle-call';

/**
 * One platform call without Express, for other frameworks: give it the decoded form fields
 * (an object of strings), get back the HTTP status and the JSON envelope to answer. Options
 * are those of the single-endpoint handlers, checked now; body size and content type are the
 * caller's to enforce.
 */
export function createCallHandler<Req, Answer>(
  endpoint: EndpointSpec<Req, Answer>,
  options: ZhichiEndpointOptions<(request: Req, context: HandlerContext) => unknown>,
): (fields: unknown) => Promise<CallResult> {
  checkHandler('handler', options?.handler);
  const { pipeline } = resolveCommonOptions(options);
  return (fields) => handleCall(endpoint, options.handler, fields, pipeline);
}
