/**
 * Commits one walked page (of a slice or of a whole list) in ONE transaction: its rows, child rows,
 * rejects, the notes of its sanitized records (`sei_sync.sanitized_values`), the keys a deleting walk
 * has seen and history versions; a record PostgreSQL refuses is isolated and rejected with its reason,
 * the rest of the page commits. Then, in the page's turn, what the page moves besides its rows: the
 * snapshots its records came from, the slice's resume point and the stream run's counts. A crash
 * before the commit loses the page and nothing else; after it, a rerun starts at the next page.
 */

import type { Kysely, Transaction } from 'kysely';
import { SYNC_ERROR_CODES, SyncStreamError } from '../errors.js';
import type { RequestCost } from '../extract/list-request.js';
import type { TimeRange } from '../extract/time-range.js';
import { type NormalizedPage, type PageContent, type PageReject, pageOf } from '../normalize/page.js';
import { outcomeKey, type RecordOutcome, storableReason } from '../normalize/record.js';
import type { Logger } from '../observability/logger.js';
import { addToStreamRun } from '../state/ledger.js';
import type { Warehouse } from '../state/open.js';
import type { Database } from '../state/schema.js';
import { keyText } from '../state/sql-text.js';
import { advanceSlice, recordSnapshots } from '../state/walk-slices.js';
import type { EntityStreamDefinition, TableSpec } from '../streams/types.js';
import type { ChangeListener } from './change-listener.js';
import { recordSeenKeys } from './deletes.js';
import { type BadItem, underSavepoint, writeIsolatingBadItems } from './isolate-bad-records.js';
import { insertRejects } from './rejects.js';
import { insertSanitizedValues } from './sanitized-values.js';
import {
  type ChangedRow,
  type Executor,
  type WritePageInput,
  type WritePageResult,
  writePage,
} from './upsert.js';
import { writePathOf } from './write-path.js';
import type { WritePath } from './write-types.js';

/** What committing a page needs of the sync: the database and its write path, the clock, history. */
export interface PageSink {
  readonly db: Kysely<Database>;
  readonly warehouse: Warehouse;
  readonly now: () => Date;
  readonly changeListener: ChangeListener | null;
}

/** The stream run a page is booked to, and where its log lines and progress go. */
export interface PageRun {
  runId: string;
  stream: EntityStreamDefinition;
  log: Logger;
  onPage?: (page: { records: number }) => void;
}

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
  slice?: {
    sliceNo: number;
    expectedResumeAt: number;
    /** The slice's bounds the page's records were cut to (a thief may have narrowed them since). */
    expectedBounds: TimeRange;
    resumeAt: number;
    done: boolean;
    /** The server's count of what the slice has left after this page, when it gave one. */
    remainingRecords?: number;
    /** Pages the walker holds past this one (its write queue, its request in flight). */
    pagesAhead: number;
  };
}

/**
 * The page's slice was split by a thief after the page was cut to its bounds: nothing was committed,
 * and the page is to be cut to `bounds` and written again.
 */
export class SliceNarrowedError extends Error {
  constructor(readonly bounds: TimeRange) {
    super(`the slice was split; its bounds are now [${bounds.from}, ${bounds.to})`);
    this.name = 'SliceNarrowedError';
  }
}

export async function writeWalkedPage(
  ctx: PageSink,
  run: PageRun,
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
  run: PageRun,
  page: WalkedPage,
  written: PageCommitResult,
): Promise<void> {
  await recordSnapshots(trx, page.walkId, page.snapshots);
  if (page.slice) {
    const advance = await advanceSlice(
      trx,
      { walkId: page.walkId, sliceNo: page.slice.sliceNo },
      {
        expectedResumeAt: page.slice.expectedResumeAt,
        expectedBounds: page.slice.expectedBounds,
        resumeAt: page.slice.resumeAt,
        records: page.records,
        done: page.slice.done,
        ...(page.slice.remainingRecords !== undefined && {
          remainingRecords: page.slice.remainingRecords,
        }),
        pagesAhead: page.slice.pagesAhead,
      },
    );
    // Thrown out of the transaction, which rolls back: the page is written again, cut to the new bounds.
    if (advance.kind === 'narrowed') throw new SliceNarrowedError(advance.bounds);
    if (advance.kind === 'taken')
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

export interface PageCommitContext {
  stream: EntityStreamDefinition;
  runId: string;
  /** The walk whose seen keys are recorded when `recordKeys` (to mark rows deleted at its end). */
  walkId: string;
  /** The walk decides deletions: note the key of every row written (but those it inserted: ./deletes.ts). */
  recordKeys: boolean;
  syncedAt: Date;
  /** How the rows reach PostgreSQL (`writePathOf(warehouse)`). */
  path: WritePath;
  /** Follows the rows that changed, in the same transaction (the history layer). */
  onChanged?: WritePageInput['onChanged'];
  /**
   * The last step before the commit, knowing what the page wrote: e.g. wait for the page before to
   * commit, then the checkpoint and the counts.
   */
  beforeCommit(trx: Transaction<Database>, result: PageCommitResult): Promise<void>;
}

export interface PageCommitResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Stored rejects: records that could not be normalized, and records PostgreSQL refused. */
  rejects: PageReject[];
  /** Records stored (as a row or a reject) with at least one value changed to be storable. */
  sanitized: number;
}

export async function commitPage(
  db: Kysely<Database>,
  page: NormalizedPage,
  context: PageCommitContext,
): Promise<PageCommitResult> {
  let result: PageCommitResult | undefined;
  await writeIsolatingBadItems(db, page.records, {
    // The whole page is written from what normalizePage already gathered; parts are gathered anew.
    write: (trx, records) =>
      writeContent(trx, records === page.records ? page : pageOf(context.stream, records), context),
    finish: async (trx, failed, written) => {
      await storeRefused(trx, failed, context);
      result = sumResults([...written, refusedContent(failed, context)]);
      await context.beforeCommit(trx, result);
    },
  });
  return result as PageCommitResult;
}

function sumResults(parts: readonly PageCommitResult[]): PageCommitResult {
  const result: PageCommitResult = { inserted: 0, updated: 0, unchanged: 0, rejects: [], sanitized: 0 };
  for (const part of parts) {
    result.inserted += part.inserted;
    result.updated += part.updated;
    result.unchanged += part.unchanged;
    result.rejects.push(...part.rejects);
    result.sanitized += part.sanitized;
  }
  return result;
}

async function writeContent(
  trx: Transaction<Database>,
  content: PageContent,
  context: PageCommitContext,
): Promise<PageCommitResult> {
  const { stream, runId } = context;
  const written = await writePage(trx, {
    table: stream.table,
    children: stream.children,
    rows: content.rows,
    childRows: content.childRows,
    runId,
    syncedAt: context.syncedAt,
    path: context.path,
    ...(context.onChanged && { onChanged: context.onChanged }),
  });
  await insertRejects(trx, runId, stream.name, content.rejects);
  await insertSanitizedValues(trx, runId, stream.name, content.sanitized);
  if (context.recordKeys)
    await recordSeenKeys(
      trx,
      context.walkId,
      written.keys,
      insertedKeys(stream.table, written),
      context.path.textArrayParam,
    );
  return {
    inserted: written.inserted,
    updated: written.updated,
    unchanged: written.unchanged,
    rejects: content.rejects,
    sanitized: content.sanitized.length,
  };
}

/** The keys (`keyText` form) of the rows this page inserted: their walk need not note them (./deletes.ts). */
function insertedKeys(table: TableSpec, written: WritePageResult): Set<string> {
  const keys = new Set<string>();
  for (const row of written.changed) if (row.inserted) keys.add(keyText(row.key, table.key));
  return keys;
}

/** Records PostgreSQL refused, as the rejects and notes to store for them. */
function refusedContent(
  bad: readonly BadItem<RecordOutcome>[],
  context: PageCommitContext,
): PageCommitResult {
  const rejects: PageReject[] = bad.map(({ item, reason }) => ({
    recordKey: outcomeKey(context.stream, item),
    reason: storableReason(`PostgreSQL refused the record: ${reason}`),
    raw: item.record,
  }));
  const sanitized = bad.filter(({ item }) => item.notes.length > 0).length;
  return { inserted: 0, updated: 0, unchanged: 0, rejects, sanitized };
}

/**
 * Stores the refused records as rejects, with their notes. Should even the raw record be refused
 * there, the reject is stored without it (a reject must land, or the page would fail after all).
 */
async function storeRefused(
  trx: Transaction<Database>,
  bad: readonly BadItem<RecordOutcome>[],
  context: PageCommitContext,
): Promise<void> {
  if (bad.length === 0) return;
  const { runId, stream } = context;
  const { rejects } = refusedContent(bad, context);
  const notes = bad
    .map(({ item }, i) => ({ recordKey: rejects[i]!.recordKey, notes: item.notes }))
    .filter((record) => record.notes.length > 0);
  const stored = await underSavepoint(trx, () => insertRejects(trx, runId, stream.name, rejects));
  if (!stored.ok) {
    const withoutRaw = rejects.map((reject) => ({
      ...reject,
      reason: storableReason(`${reject.reason} (the raw record could not be stored either)`),
      raw: null,
    }));
    await insertRejects(trx, runId, stream.name, withoutRaw);
  }
  await insertSanitizedValues(trx, runId, stream.name, notes);
}
