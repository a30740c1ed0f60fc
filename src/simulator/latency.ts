/**
 * How long a loaded SEI tenant takes to answer a list request: a fixed cost, a cost per record served
 * and a cost per record skipped (`OFFSET` and the `COUNT(*)` the server runs on every page grow with
 * depth). Off by default; benchmarks and latency tests turn it on.
 */
export interface LatencyModel {
  /** Every answer. */
  fixedMs: number;
  /** Per record on the page. */
  perRecordMs: number;
  /** Per 1,000 records skipped by the offset (page × page size). */
  perThousandSkippedMs: number;
}

/** The model of a loaded tenant: about one second for a 1,000-record page near the start. */
export const LOADED_TENANT_LATENCY: LatencyModel = {
  fixedMs: 300,
  perRecordMs: 0.5,
  perThousandSkippedMs: 10,
};

export function latencyMs(model: LatencyModel | undefined, records: number, skipped: number): number {
  if (model === undefined) return 0;
  return model.fixedMs + model.perRecordMs * records + (model.perThousandSkippedMs * skipped) / 1000;
}
