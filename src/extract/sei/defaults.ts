/**
 * The SEI client's defaults, in a module that imports nothing: `config.ts` documents them to users and
 * the client, its retries and its in-flight limit use them, without an import cycle between them.
 */
export const IN_FLIGHT_DEFAULTS = {
  /** The cap (`SEI_MAX_IN_FLIGHT`): each request in flight is a page in memory. */
  maxInFlight: 16,
  /**
   * Counts (one-record requests, or a few records: `ListCallOptions.count`) in flight beside the
   * pages: a count holds no page, and a walk's plan sends a round of them at once (8 parts of a
   * stretch, SLICING_DEFAULTS.maxParts).
   */
  maxCountsInFlight: 8,
  initialLatencyMs: 1000,
  smoothing: 0.2,
} as const;

export const RETRY_DEFAULTS = {
  maxAttempts: 6,
  minRetryDelayMs: 500,
  maxRetryDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
} as const;

export const CLIENT_DEFAULTS = {
  authScheme: 'APIKEY',
  timeoutMs: 60_000,
  connections: IN_FLIGHT_DEFAULTS.maxInFlight + IN_FLIGHT_DEFAULTS.maxCountsInFlight,
  ...RETRY_DEFAULTS,
} as const;
