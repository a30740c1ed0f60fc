/** The DORA snapshot streams' defaults, in a module that imports nothing (config.ts documents them). */
export const DORA_DEFAULTS = {
  /** Days of daily buckets re-read on each run and upserted (`SEI_DORA_TRAILING_DAYS`). */
  trailingDays: 90,
  /** Days the as-of stats of a snapshot cover (`SEI_DORA_ROLLING_DAYS`). */
  rollingDays: 30,
} as const;

export interface DoraSettings {
  trailingDays: number;
  rollingDays: number;
  /** The day the windows end before (UTC); undefined: the run's clock. Demo and tests pin it. */
  asOf?: Date | undefined;
}
