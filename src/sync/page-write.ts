/**
 * Commits one walked page: its rows, child rows, rejects, history versions, the keys a deleting walk
 * has seen, the snapshots the records came from, the slice's new resume point and the stream run's
 * counts, all in ONE transaction. A crash before the commit loses the page and nothing else; after
 * it, a rerun starts at the next page.
 */
import type { SeiRecord } from '../sei/types.js';
import type { StreamDefinition, TableSpec } from '../streams/types.js';
import { recordSeenKeys } from '../warehouse/deletes.js';
import { addToStreamRun } from '../warehouse/ledger.js';
import { insertRejects } from '../warehouse/rejects.js';
import { type ChangedRow, type Executor, type WritePageResult, writePage } from '../warehouse/upsert.js';
import { advanceSlice, recordSnapshots } from '../warehouse/walk-slices.js';
import type { ChangeListener } from './engine-types.js';
import { SYNC_ERROR_CODES, SyncStreamError } from './errors.js';
import type { RequestCost } from './list-request.js';
import type { NormalizedPage } from './normalize-page.js';

export interface PageCommit {
  stream: StreamDefinition;
  runId: string;
  walkId: string;
  normalized: NormalizedPage;
  /** Records served on this page (before normalization). */
  records: number;
  cost: RequestCost;
  syncedAt: Date;
  /** The walk decides deletions: note every key it saw. */
  recordKeys: boolean;
  /** The daily snapshots this page's records came from, per integration. */
  snapshots: ReadonlyMap<string, ReadonlySet<number>>;
  /** The slice this page belongs to, and where it moves (absent for whole-list walks). */
  slice?: { sliceNo: number; expectedResumeAt: number; resumeAt: number; done: boolean };
  changeListener: ChangeListener | null;
}

export async function commitPage(
  trx: Executor,
  commit: PageCommit,
  beforeCommit?: () => Promise<void>,
): Promise<WritePageResult> {
  const { stream, runId, normalized, syncedAt } = commit;
  const listener = commit.changeListener;
  const written = await writePage(trx, {
    table: stream.table,
    children: stream.children,
    rows: normalized.rows,
    childRows: normalized.childRows,
    runId,
    syncedAt,
    ...(listener && {
      onChanged: (tx: Executor, table: TableSpec, changed: readonly ChangedRow[]) =>
        listener.onChanged(tx, table, changed, syncedAt, runId),
    }),
  });
  await insertRejects(trx, runId, stream.name, normalized.rejects);
  if (commit.recordKeys) await recordSeenKeys(trx, commit.walkId, stream.table, normalized.rows);
  // Pages of one slice commit in order: the slice only ever moves over committed pages. Rows that
  // other pages write too (snapshots, the slice, the ledger) are touched only after the turn: a later
  // page holding one while waiting for its turn would block the earlier page forever.
  await beforeCommit?.();
  await recordSnapshots(trx, commit.walkId, commit.snapshots);
  if (commit.slice) {
    const moved = await advanceSlice(
      trx,
      { walkId: commit.walkId, sliceNo: commit.slice.sliceNo },
      {
        expectedResumeAt: commit.slice.expectedResumeAt,
        resumeAt: commit.slice.resumeAt,
        records: commit.records,
        done: commit.slice.done,
      },
    );
    if (!moved)
      throw new SyncStreamError(
        SYNC_ERROR_CODES.sliceTaken,
        `${stream.name}: slice ${commit.slice.sliceNo} of walk ${commit.walkId} was moved by another walker; this one stops`,
        true,
      );
  }
  await addToStreamRun(trx, runId, stream.name, {
    pages: 1,
    records: commit.records,
    inserted: written.inserted,
    updated: written.updated,
    unchanged: written.unchanged,
    rejected: normalized.rejects.length,
    requests: commit.cost.requests,
    retries: commit.cost.retries,
    rateLimited: commit.cost.rateLimited,
  });
  return written;
}

/** The snapshot values (`stream.snapshotField`) of a page's records, per integration. */
export function snapshotsOf(
  stream: StreamDefinition,
  records: readonly SeiRecord[],
): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  const field = stream.snapshotField;
  if (field === undefined) return out;
  for (const record of records) {
    const value = record[field];
    const snapshot = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
    if (!Number.isFinite(snapshot)) continue;
    const integration = String(record.integration_id ?? '');
    let seen = out.get(integration);
    if (!seen) {
      seen = new Set();
      out.set(integration, seen);
    }
    seen.add(snapshot);
  }
  return out;
}
