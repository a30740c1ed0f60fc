/**
 * Every error code sei-sync gives a failure, defined here and nowhere else: SEI's (`SEI_ERR_*`, a call
 * to SEI failed) and the sync's own (`SEI_SYNC_ERR_*`). `ErrorCode` is their closed union: what a
 * stream run's error, a `--json` document's error and the ledger's `error_code` carry. The strings are
 * a contract (docs/json-output.md lists them, test/unit/errors.test.ts checks the list): never rename one.
 */

/** A call to SEI failed (src/extract/sei/errors.ts builds these errors and classifies them). */
export const SEI_ERROR_CODES = {
  /** 401: the key is unknown, revoked or for another environment. */
  auth: 'SEI_ERR_AUTH',
  /** 403: the key exists but may not list (an Ingestion key, or a Harness Platform key). */
  forbidden: 'SEI_ERR_FORBIDDEN',
  /** 404: wrong base URL or environment. */
  notFound: 'SEI_ERR_NOT_FOUND',
  /** 400: SEI refused the request body (page size cap, bad filter). */
  badRequest: 'SEI_ERR_BAD_REQUEST',
  /** 429. */
  rateLimited: 'SEI_ERR_RATE_LIMITED',
  /** 5xx and any other unexpected status. */
  server: 'SEI_ERR_SERVER',
  /** Connection refused, reset, closed early; DNS. */
  network: 'SEI_ERR_NETWORK',
  /** No (complete) answer within `timeoutMs`. */
  timeout: 'SEI_ERR_TIMEOUT',
  /** A 2xx whose body is not the JSON list envelope (unparseable, truncated, wrong shape). */
  badResponse: 'SEI_ERR_BAD_RESPONSE',
  /** The client retried `maxAttempts` times and the last attempt failed too. */
  retriesExhausted: 'SEI_ERR_RETRIES_EXHAUSTED',
  /** The caller's AbortSignal fired. */
  aborted: 'SEI_ERR_ABORTED',
  /** No API key configured. */
  noKey: 'SEI_ERR_NO_KEY',
  /** The first request of a run found no SEI host: DNS failure, refused, no route, connect timeout. */
  unreachable: 'SEI_ERR_UNREACHABLE',
} as const;

export type SeiErrorCode = (typeof SEI_ERROR_CODES)[keyof typeof SEI_ERROR_CODES];

/** The sync's own failures. */
export const SYNC_ERROR_CODES = {
  /** A walk needed more requests than SEI_MAX_PAGES allows. */
  pageLimit: 'SEI_SYNC_ERR_PAGE_LIMIT',
  /** The server stopped returning the order a keyset walk relies on. */
  unsorted: 'SEI_SYNC_ERR_UNSORTED',
  /** A full page of records without the cursor field: the walk cannot narrow its window. */
  noCursor: 'SEI_SYNC_ERR_NO_CURSOR',
  /** A full page of records all outside the window asked for: the server ignored the range filter. */
  filterIgnored: 'SEI_SYNC_ERR_FILTER_IGNORED',
  /** One instant larger than the largest page kept coming back in a new order. */
  unstableInstant: 'SEI_SYNC_ERR_UNSTABLE_INSTANT',
  /** A full-refresh list kept changing between reads. */
  unstableList: 'SEI_SYNC_ERR_UNSTABLE_LIST',
  /** The walk's pages kept coming from different daily snapshots. */
  snapshotChanging: 'SEI_SYNC_ERR_SNAPSHOT_CHANGING',
  /** Another walker moved the slice this one was walking. */
  sliceTaken: 'SEI_SYNC_ERR_SLICE_TAKEN',
  /** No route of the endpoint answered (collection categories). */
  noRoute: 'SEI_SYNC_ERR_NO_ROUTE',
  /** The process running the stream was gone (killed) before it could close the stream run. */
  abandoned: 'SEI_SYNC_ERR_ABANDONED',
  /** Another process holds the stream's lock (or its derivation source is still syncing). */
  streamBusy: 'SEI_SYNC_ERR_STREAM_BUSY',
  /** A renormalize stopped on request; it resumes at its last committed batch. */
  interrupted: 'SEI_SYNC_ERR_INTERRUPTED',
  /** The configuration (environment, flags) is invalid. */
  config: 'SEI_SYNC_ERR_CONFIG',
  /** A stream name that no stream has. */
  unknownStream: 'SEI_SYNC_ERR_UNKNOWN_STREAM',
  /** The embedded database's data directory cannot be used. */
  dataDir: 'SEI_SYNC_ERR_DATA_DIR',
  /** Another process holds the embedded database's data directory. */
  dataDirBusy: 'SEI_SYNC_ERR_DATA_DIR_BUSY',
  /** A migration failed. */
  migration: 'SEI_SYNC_ERR_MIGRATION',
  /** The schema is not there (or not up to date): run `sei-sync migrate`. */
  schemaMissing: 'SEI_SYNC_ERR_SCHEMA_MISSING',
  /** A newer sei-sync migrated the database: this older process must not write to it. */
  schemaNewer: 'SEI_SYNC_ERR_SCHEMA_NEWER',
  /** PostgreSQL or Redis cannot be reached. */
  unavailable: 'SEI_SYNC_ERR_UNAVAILABLE',
  /** A command failed without a code of its own. */
  command: 'SEI_SYNC_ERR_COMMAND',
  /** A job failed without a readable code in its reason. */
  job: 'SEI_SYNC_ERR_JOB',
  /** `sei-sync capture` stopped a stream's walk at its `--pages` (not a failure of the capture). */
  captureLimit: 'SEI_SYNC_ERR_CAPTURE_LIMIT',
  /** An SEI 2.0 export job ended FAILED or CANCELLED: nothing of it was loaded. */
  v2ExportFailed: 'SEI_SYNC_ERR_V2_EXPORT_FAILED',
  /** An SEI 2.0 export job did not complete within SEI_V2_EXPORT_TIMEOUT_MS: nothing of it was loaded. */
  v2ExportTimeout: 'SEI_SYNC_ERR_V2_EXPORT_TIMEOUT',
  /** An SEI 2.0 stream ran without SEI_V2_ACCOUNT, SEI_V2_ORG and SEI_V2_PROJECT. */
  v2NotConfigured: 'SEI_SYNC_ERR_V2_NOT_CONFIGURED',
  /** An SEI 2.0 export answer or file that cannot be read (no export id, a CSV without a header). */
  v2BadExport: 'SEI_SYNC_ERR_V2_BAD_EXPORT',
  /** Anything else; retryable (a database restarting is worth another try). */
  internal: 'SEI_SYNC_ERR_INTERNAL',
} as const;

export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[keyof typeof SYNC_ERROR_CODES];

export type ErrorCode = SeiErrorCode | SyncErrorCode;

/** Every code, SEI's first. */
export const ERROR_CODES: readonly ErrorCode[] = [
  ...Object.values(SEI_ERROR_CODES),
  ...Object.values(SYNC_ERROR_CODES),
];

const KNOWN: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN.has(code);
}

/**
 * Any failure as a code and its one line `message`: its own code when it is one of ours, else
 * `fallback`. A code sei-sync did not make (a PostgreSQL SQLSTATE, a Node `ECONNRESET`) is named in
 * the line instead, so nothing it said is lost.
 */
export function codedLine(
  error: unknown,
  fallback: ErrorCode,
  message: string,
): { code: ErrorCode; message: string } {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (isErrorCode(code)) return { code, message };
  const foreign = typeof code === 'string' || typeof code === 'number' ? String(code) : '';
  return {
    code: fallback,
    message: foreign === '' || message.includes(foreign) ? message : `${message} (${foreign})`,
  };
}

export class SyncStreamError extends Error {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SyncStreamError';
  }
}
