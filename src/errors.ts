/**
 * Failures the sync itself raises (SEI's own keep their `SEI_ERR_*` codes, src/extract/sei/errors.ts). Each
 * has a stable code callers branch on and says whether a later retry can help.
 */
import type { SeiErrorCode } from './extract/sei/errors.js';

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
  /** PostgreSQL or Redis cannot be reached. */
  unavailable: 'SEI_SYNC_ERR_UNAVAILABLE',
  /** A command failed without a code of its own. */
  command: 'SEI_SYNC_ERR_COMMAND',
  /** A job failed without a readable code in its reason. */
  job: 'SEI_SYNC_ERR_JOB',
  /** Anything else; retryable (a database restarting is worth another try). */
  internal: 'SEI_SYNC_ERR_INTERNAL',
} as const;

export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[keyof typeof SYNC_ERROR_CODES];

/**
 * Every code sei-sync itself gives a failure: SEI's (`SEI_ERR_*`, src/extract/sei/errors.ts) and the
 * sync's (`SEI_SYNC_ERR_*`, above). Failures from elsewhere keep theirs (a PostgreSQL SQLSTATE, a
 * Node `ECONNRESET`): `ErrorCode | ForeignCode` is what a stream run's error carries.
 */
export type ErrorCode = SeiErrorCode | SyncErrorCode;
/** A code sei-sync did not make: passed through as it came. */
export type ForeignCode = string & {};

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
