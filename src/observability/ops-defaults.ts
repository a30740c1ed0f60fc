/**
 * The ops server's defaults, apart from the server (./ops-server.ts) so that reading the worker's
 * configuration (`run-now`, `status`, `schedule`) does not load Express and Bull Board.
 */

/** 9464 is the port Prometheus exporters of the OpenTelemetry family conventionally use. */
export const OPS_SERVER_DEFAULTS = { host: '0.0.0.0', port: 9464, checkTimeoutMs: 2_000 } as const;
