/**
 * Commits one walked page (of a slice or of a whole list) in ONE transaction: its rows, child rows,
 * rejects, notes and history versions (page-commit.ts, which also isolates records PostgreSQL refuses),
 * then, in the page's turn, what the page moves besides its rows: the snapshots its records came
 * from, the slice's resume point and the stream run's counts. A crash before the commit loses the
 * page and nothing else; after it, a rerun starts at the next page.
 */

import type { Transaction } from 'kysely';
import type { SeiRecord } from '../sei/types.js';
import type { StreamDefinition, TableSpec } from '../streams/types.js';
import type { Database } from '../warehouse/database.js';
import { addToStreamRun } from '../warehouse/ledger.js';
import type { ChangedRow, Executor } from '../warehouse/upsert.js';
import { advanceSlice, recordSnapshots } from '../warehouse/walk-slices.js';
import { writePathOf } from '../warehouse/write-path.js';
import type { EngineContext, StreamRunContext } from './engine-context.js';
import { SYNC_ERROR_CODES, SyncStreamError } from './errors.js';
import type { RequestCost } from './list-request.js';
import type { NormalizedPage } from './normalize-page.js';
import { commitPage, type PageCommitResult } from './page-commit.js';

export interface WalkedPage {
  walkId: string;
  normalized: NormalizedPage;
  /** Records served on this page (before normalization). */
  records: number;
  cost: RequestCost;
  /** The walk decides deletions: note every key it saw. */
  recordKeys: boolean;
  /** The daily snapshots this page's records came from, per integration (only ones not noted before). */
  snapshots: ReadonlyMap<string, ReadonlySet<number>>;
  /** The slice this page belongs to, and where it moves (absent for whole-list walks). */
  slice?: { sliceNo: number; expectedResumeAt: number; resumeAt: number; done: boolean };
}

export async function writeWalkedPage(
  ctx: EngineContext,
  run: StreamRunContext,
  page: WalkedPage,
  turn: Promise<void> = Promise.resolve(),
): Promise<PageCommitResult> {
  const { stream, runId } = run;
  const syncedAt = ctx.now();
  const listener = ctx.changeListener;
  const result = await commitPage(ctx.db, page.normalized, {
    stream,
    runId,
    walkId: page.walkId,
    recordKeys: page.recordKeys,
    syncedAt,
    path: await writePathOf(ctx.warehouse),
    ...(listener && {
      onChanged: (tx: Executor, table: TableSpec, changed: readonly ChangedRow[]) =>
        listener.onChanged(tx, table, changed, syncedAt, runId),
    }),
    // Pages of one slice commit in order: the slice only ever moves over committed pages. Rows that
    // other pages write too (snapshots, the slice, the ledger) are touched only after the turn: a later
    // page holding one while waiting for its turn would block the earlier page forever.
    beforeCommit: async (trx, written) => {
      await turn;
      await bookPage(trx, run, page, written);
    },
  });
  for (const reject of result.rejects)
    run.log.warn({ recordKey: reject.recordKey, reason: reject.reason }, 'record rejected');
  run.onPage?.({ records: page.records });
  return result;
}

async function bookPage(
  trx: Transaction<Database>,
  run: StreamRunContext,
  page: WalkedPage,
  written: PageCommitResult,
): Promise<void> {
  await recordSnapshots(trx, page.walkId, page.snapshots);
  if (page.slice) {
    const moved = await advanceSlice(
      trx,
      { walkId: page.walkId, sliceNo: page.slice.sliceNo },
      {
        expectedResumeAt: page.slice.expectedResumeAt,
        resumeAt: page.slice.resumeAt,
        records: page.records,
        done: page.slice.done,
      },
    );
    if (!moved)
      throw new SyncStreamError(
        SYNC_ERROR_CODES.sliceTaken,
        `${run.stream.name}: slice ${page.slice.sliceNo} of walk ${page.walkId} was moved by another walker; this one stops`,
        true,
      );
  }
  await addToStreamRun(trx, run.runId, run.stream.name, {
    pages: 1,
    records: page.records,
    inserted: written.inserted,
    updated: written.updated,
    unchanged: written.unchanged,
    rejected: written.rejects.length,
    sanitized: written.sanitized,
    requests: page.cost.requests,
    retries: page.cost.retries,
    rateLimited: page.cost.rateLimited,
  });
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
    if (record === null || typeof record !== 'object') continue;
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
