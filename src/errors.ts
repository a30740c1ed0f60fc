/**
 * Failures the sync itself raises (SEI's own keep their `SEI_ERR_*` codes, src/extract/sei/errors.ts). Each
 * has a stable code callers branch on and says whether a later retry can help.
 */
export const SYNC_ERROR_CODES = {
  /** A walk needed more requests than SEI_MAX_PAGES allows. */
  pageLimit: 'SEI_SYNC_ERR_PAGE_LIMIT',
  /** The server stopped returning the order a keyset walk relies on. */
  unsorted: 'SEI_SYNC_ERR_UNSORTED',
  /** A full page of records without the cursor field: the walk cannot narrow its window. */
  noCursor: 'SEI_SYNC_ERR_NO_CURSOR',
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
  internal: 'SEI_SYNC_ERR_INTERNAL',
} as const;

export class SyncStreamError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SyncStreamError';
  }
}
