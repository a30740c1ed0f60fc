/**
 * Commits one normalized page: its rows, child rows and history versions, its rejects, the notes of
 * its sanitized records (`sei_sync.sanitized_values`), the keys a deleting walk has seen and, through
 * `beforeCommit`, the checkpoint and the counts, all in one transaction.
 *
 * Normalization already makes every value storable, so a write that still fails with a data error
 * met something nobody foresaw. The records behind it are found by bisecting the page
 * (src/warehouse/isolate-bad-records.ts) and stored as rejects with PostgreSQL's message as the
 * reason; the rest of the page commits with its checkpoint. A poison page never blocks a stream.
 */
import type { Kysely, Transaction } from 'kysely';
import { outcomeKey, type RecordOutcome, storableReason } from '../streams/normalize-record.js';
import type { StreamDefinition } from '../streams/types.js';
import type { Database } from '../warehouse/database.js';
import { recordSeenKeys } from '../warehouse/deletes.js';
import { type BadItem, underSavepoint, writeIsolatingBadItems } from '../warehouse/isolate-bad-records.js';
import { insertRejects } from '../warehouse/rejects.js';
import { insertSanitizedValues } from '../warehouse/sanitized-values.js';
import { type WritePageInput, writePage } from '../warehouse/upsert.js';
import type { WritePath } from '../warehouse/write-types.js';
import { type NormalizedPage, type PageContent, type PageReject, pageOf } from './normalize-page.js';

export interface PageCommitContext {
  stream: StreamDefinition;
  runId: string;
  /** The walk whose seen keys are recorded when `recordKeys` (to mark rows deleted at its end). */
  walkId: string;
  /** The walk decides deletions: note the key of every row written. */
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
  if (context.recordKeys) await recordSeenKeys(trx, context.walkId, stream.table, content.rows);
  return {
    inserted: written.inserted,
    updated: written.updated,
    unchanged: written.unchanged,
    rejects: content.rejects,
    sanitized: content.sanitized.length,
  };
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
