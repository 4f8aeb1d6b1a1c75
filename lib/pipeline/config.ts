import type { ZhichiLogger } from '../endpoints/types';
import type { ResolvedApp } from '../protocol/credentials';
import type { RefundStore } from '../stores/refund-store';

/** Everything the pipeline needs, fully defaulted (built once from the router options). */
export interface PipelineConfig {
  /** Looks an `app_id` up; undefined for an app this merchant does not serve. */
  resolveApp(appId: string): Promise<ResolvedApp | undefined>;
  handlerTimeoutMs: number;
  refundStore: RefundStore;
  refundLeaseMs: number;
  refundPollMs: number;
  logger: ZhichiLogger;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Refunds running in this process, so concurrent duplicates share one run. */
  inflightRefunds: Map<string, Promise<unknown>>;
}
