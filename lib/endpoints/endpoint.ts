/** The three calls the platform makes. */
export type EndpointName = 'pay-params' | 'refund' | 'refund-query';

/**
 * Everything endpoint-specific about one platform call: the schema of its data, how the
 * typed request is built, how the handler's answer is checked, and what is worth logging.
 */
export interface EndpointSpec<Request, Answer> {
  name: EndpointName;
  /** JSON Schema (ajv) for the decoded `data`. */
  schema: Record<string, unknown>;
  /** Builds the typed request from schema-valid data; throws `ValidationError`. */
  toRequest(data: Record<string, unknown>, appId: string): Request;
  /** Checks a handler's result; returns the JSON-able answer or throws `InvalidHandlerResultError`. */
  toAnswer(result: unknown): Answer;
  /** Non-secret fields for the log line (openids masked). */
  logFields(request: Request): Record<string, unknown>;
}
