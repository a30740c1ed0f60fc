/**
 * Walks one time slice of a stream's walk, from wherever its last committed page left it, committing
 * page by page. Any process can walk any slice: the slice's row says where to start, and each commit
 * moves it (see walk-slices.ts). Within a slice the next page is fetched while the previous is being
 * written, and pages commit in order. Each page holds its lease of the process's page budget until its
 * commit ends (or the walk drops it). A thief may narrow the slice meanwhile (work-stealing.ts): the
 * walk reads its bounds before each request, and each page is cut to the bounds it commits under
 * (slice-bounds.ts).
 */

import { walkKeyset } from '../extract/keyset-walk.js';
import { costOfFailure } from '../extract/list-request.js';
import { listSourceOf, pageSizeOf } from '../extract/list-source.js';
import type { PageLease } from '../extract/page-budget.js';
import type { SeiRecord } from '../extract/sei/types.js';
import { snapshotsOf } from '../extract/snapshots.js';
import type { TimeRange } from '../extract/time-range.js';
import { SliceNarrowedError, type WalkedPage, writeWalkedPage } from '../load/commit-page.js';
import { OrderedWrites } from '../load/ordered-writes.js';
import { normalizePage } from '../normalize/page.js';
import { addToStreamRun } from '../state/ledger.js';
import { claimSlice, readSlice, type SliceState } from '../state/walk-slices.js';
import type { IncrementalStream } from '../streams/types.js';
import type { EngineContext, StreamRunContext } from './engine-context.js';
import { cutToBounds, type SliceMove } from './slice-bounds.js';
import { sliceEnded } from './walk-signal.js';

export interface SliceWalkRequest {
  walkId: string;
  sliceNo: number;
  /** The route the stream's endpoint answers on. */
  path: string;
  /** The walk decides deletions: every key seen is noted. */
  recordKeys: boolean;
  /** Who walks it: the slice is claimed for this walker (thieves split only claimed slices). */
  walker: string;
}

/** Walks the slice to its end; returns its final state (already done: returned as it is). */
export async function walkSlice(
  ctx: EngineContext,
  run: StreamRunContext<IncrementalStream>,
  request: SliceWalkRequest,
): Promise<SliceState | undefined> {
  const { stream, runId } = run;
  const slice = await claimSlice(ctx.db, request.walkId, request.sliceNo, request.walker);
  if (!slice || slice.done) return slice;
  /** The slice's bounds as last learned: a split shows when a page's advance finds them narrowed. */
  let bounds: TimeRange = { from: slice.from, to: slice.to };
  const log = run.log.child({ slice: slice.sliceNo });
  const pages = walkKeyset({
    client: ctx.client,
    source: listSourceOf(ctx, stream, request.path),
    cursor: stream.cursor,
    range: bounds,
    bounds: () => bounds,
    resumeAt: slice.resumeAt,
    pageSize: pageSizeOf(ctx, stream),
    maxRequests: ctx.settings.maxPages,
    signal: run.signal,
    logger: log,
    pages: ctx.pages,
  });
  const writes = new OrderedWrites(ctx.settings.writeDepth);
  let expectedResumeAt = slice.resumeAt;
  /** Snapshot values this walker already noted: most pages add none. */
  const noted = new Set<string>();
  const newSnapshots = (records: readonly SeiRecord[]) => {
    const fresh = new Map<string, Set<number>>();
    for (const [integration, values] of snapshotsOf(stream, records))
      for (const value of values) {
        const id = `${integration}\u0000${value}`;
        if (noted.has(id)) continue;
        noted.add(id);
        fresh.set(integration, (fresh.get(integration) ?? new Set()).add(value));
      }
    return fresh;
  };
  /** Leases of the pages this walker took and whose commit has not ended. */
  const inHand = new Set<PageLease>();
  try {
    for await (const page of pages) {
      inHand.add(page.lease);
      const normalized = normalizePage(stream, page.records, {
        stringsKnownStorable: page.stringsKnownStorable,
      });
      const move: SliceMove = {
        expectedResumeAt,
        resumeAt: page.resumeAt,
        done: page.done,
        ...(page.remaining !== undefined && { remaining: page.remaining }),
      };
      expectedResumeAt = page.resumeAt;
      await writes.submit(normalized.keys, async (turn) => {
        // Asked in page order (submit starts each write at once), and the permits are handed out in
        // order: a page holding one waits only for its predecessor, which asked before it.
        const release = await ctx.pageWrites.acquire();
        try {
          // Cut to the bounds known, and again to narrower ones should a split land before the commit.
          for (let first = true; ; first = false) {
            const cut = cutToBounds(stream.cursor, page.records, move, bounds);
            if (cut.kind === 'beyond') {
              // Nothing of it is this slice's; its requests were made all the same.
              await turn;
              await addToStreamRun(ctx.db, runId, stream.name, page.cost);
              return;
            }
            const walked: WalkedPage = {
              walkId: request.walkId,
              normalized: cut.cut
                ? normalizePage(stream, cut.records, { stringsKnownStorable: page.stringsKnownStorable })
                : normalized,
              records: cut.records.length,
              cost: page.cost,
              recordKeys: request.recordKeys,
              // A page written again notes every snapshot of its records (noting is idempotent).
              snapshots: first ? newSnapshots(cut.records) : snapshotsOf(stream, cut.records),
              slice: {
                sliceNo: slice.sliceNo,
                expectedResumeAt: cut.move.expectedResumeAt,
                expectedBounds: bounds,
                resumeAt: cut.move.resumeAt,
                done: cut.move.done,
                ...(cut.move.remaining !== undefined && { remainingRecords: cut.move.remaining }),
                // What a thief leaves this walker (work-stealing.ts): the later pages it took, and the
                // request the walk sends next unless this page ends the slice.
                pagesAhead: inHand.size - 1 + (cut.move.done ? 0 : 1),
              },
            };
            try {
              const written = await writeWalkedPage(ctx, { ...run, log }, walked, turn);
              // The slice's last page: this process's napping thieves need not wait for their next look.
              if (cut.move.done) sliceEnded(request.walkId);
              log.debug(
                {
                  records: walked.records,
                  resumeAt: cut.move.resumeAt,
                  ...written,
                  rejects: written.rejects.length,
                },
                'page committed',
              );
              return;
            } catch (error) {
              if (!(error instanceof SliceNarrowedError)) throw error;
              bounds = error.bounds;
              log.debug({ bounds }, 'the slice was split; the page is cut to its new bounds');
            }
          }
        } finally {
          release();
          inHand.delete(page.lease);
          page.lease.release();
          // This walk's frame and the walk's own keep their last page until the next one replaces it (a
          // suspended async function keeps its dead locals alive): emptied, a committed page holds no
          // memory while the slice waits for its next answer (issue 24: a page per waiting slice).
          page.records.length = 0;
        }
      });
    }
    await writes.drain();
  } catch (error) {
    // A request that failed still cost requests: the ledger shows them.
    await addToStreamRun(ctx.db, runId, stream.name, costOfFailure(error)).catch(() => {});
    throw error;
  } finally {
    // No write may outlive the walk (the stream run is closed after it).
    await writes.settle();
    // A page that never reached its write (the walk failed first) gives its lease back too.
    for (const lease of inHand) lease.release();
  }
  return readSlice(ctx.db, request.walkId, request.sliceNo);
}
