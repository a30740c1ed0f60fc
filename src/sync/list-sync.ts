/**
 * Syncs a full-refresh stream: its whole list (whole-list-walk.ts), each part committed as a page with
 * the keys it holds; when the list is proven complete, rows it no longer holds are marked deleted.
 */
import { randomUUID } from 'node:crypto';
import { deriveList, knownFailure } from '../extract/derived-list.js';
import { costOfFailure } from '../extract/list-request.js';
import { listSourceOf } from '../extract/list-source.js';
import { walkWholeList } from '../extract/whole-list-walk.js';
import { writeWalkedPage } from '../load/commit-page.js';
import { type DeletionScope, forgetWalkKeys, markMissingAsDeleted } from '../load/deletes.js';
import { normalizePage } from '../normalize/page.js';
import { addToStreamRun } from '../state/ledger.js';
import type { FullRefreshStream } from '../streams/types.js';
import type { EngineContext, StreamRunContext } from './engine-context.js';

export interface ListSyncResult {
  deleted: number;
  /** False when the list kept changing between reads: nothing was deleted this run. */
  deletionsDecided: boolean;
  reads: number;
  /** What the summary should say about this list (its endpoint was broken and the rows derived). */
  note?: string;
}

/** A list read for some integrations only (SEI_INTEGRATION_IDS) proves nothing about the others' rows. */
function deletionScope(ctx: EngineContext, stream: FullRefreshStream): DeletionScope {
  const ids = ctx.settings.scope?.integrationIds;
  return stream.integrationColumn && ids ? { integrations: { column: stream.integrationColumn, ids } } : {};
}

export async function syncWholeList(
  ctx: EngineContext,
  run: StreamRunContext<FullRefreshStream>,
  options: { path: string },
): Promise<ListSyncResult> {
  const { stream, runId } = run;
  const walkId = randomUUID();
  let parts = walkWholeList({
    client: ctx.client,
    source: listSourceOf(ctx, stream, options.path),
    pageSize: ctx.settings.pageSize,
    maxRequests: ctx.settings.maxPages,
    signal: run.signal,
    logger: run.log,
  });
  let note: string | undefined;
  try {
    let next: Awaited<ReturnType<typeof parts.next>>;
    try {
      next = await parts.next();
    } catch (error) {
      // The first request failed the way the server's code always fails there: derive the rows.
      const known = knownFailure(stream, error);
      if (!known) throw error;
      await addToStreamRun(ctx.db, runId, stream.name, costOfFailure(error));
      parts = deriveList(ctx.db, stream, known.fallback);
      next = await parts.next();
      note = `${options.path} answered ${known.status}: ${known.fallback.reason}; ${next.done ? 0 : next.value.records.length} rows derived from ${known.fallback.from}`;
      run.log.warn({ status: known.status, from: known.fallback.from }, note);
    }
    while (!next.done) {
      const part = next.value;
      await writeWalkedPage(ctx, run, {
        walkId,
        normalized: normalizePage(stream, part.records, { stringsKnownStorable: part.stringsKnownStorable }),
        records: part.records.length,
        cost: part.cost,
        recordKeys: true,
        snapshots: new Map(),
      });
      next = await parts.next();
    }
    const result = next.value;
    if (!result.clean) {
      run.log.warn(
        { reads: result.reads },
        'the list kept changing between reads; deletions skipped this run',
      );
      await forgetWalkKeys(ctx.db, walkId);
      return { deleted: 0, deletionsDecided: false, reads: result.reads, ...(note && { note }) };
    }
    const finishedAt = ctx.now();
    const deleted = await ctx.db.transaction().execute(async (trx) => {
      const gone = await markMissingAsDeleted(
        trx,
        walkId,
        stream.table,
        finishedAt,
        deletionScope(ctx, stream),
      );
      if (gone.keys.length > 0)
        await ctx.changeListener?.onDeleted(trx, stream.table, gone.keys, finishedAt, runId);
      await addToStreamRun(trx, runId, stream.name, { deleted: gone.keys.length });
      return gone.keys.length;
    });
    return { deleted, deletionsDecided: true, reads: result.reads, ...(note && { note }) };
  } catch (error) {
    await addToStreamRun(ctx.db, runId, stream.name, costOfFailure(error)).catch(() => {});
    await forgetWalkKeys(ctx.db, walkId).catch(() => {});
    throw error;
  }
}
