/**
 * Heals the buckets a verify found differing, through the sync's own path: the buckets become the
 * slices of a walk (keyset by time, pages committed with the normal upsert, history, rejects, notes
 * and ledger, walked by the engine's slice walker), then every bucket is counted again; buckets that
 * now differ (a record moved between two of them) are walked in the next round.
 *
 * Deletions follow the rule of a deleting walk, limited to the buckets walked:
 * - only rows whose cursor value lies in a walked bucket (`[from, to)`, what the walk read) can go;
 * - only after every walk of the heal completed from one daily snapshot per integration;
 * - a row not seen there may only have moved: its record changed on the server and now lies after
 *   the cursor. So what changed since the cursor is read too (keys only), again until a read finds
 *   nothing new, as a deleting walk reads its tails; rows seen anywhere are kept.
 * Whatever is not proven is left alone and said in the summary.
 */
import { randomUUID } from 'node:crypto';
import { fromEpochSeconds, type TimeRange, toEpochSeconds } from '../extract/time-range.js';
import {
  countMissing,
  type DeletionScope,
  forgetWalkKeys,
  markMissingAsDeleted,
  recordSeenKeys,
} from '../load/deletes.js';
import { readCheckpoint } from '../state/checkpoints.js';
import { addToStreamRun } from '../state/ledger.js';
import {
  createSlices,
  forgetSlices,
  readSlices,
  readSnapshots,
  type SliceState,
  walksWithSlices,
} from '../state/walk-slices.js';
import type { IncrementalStream } from '../streams/types.js';
import {
  deletionScope,
  MAX_WALK_PASSES,
  readAgainFromStart,
  switchedSnapshots,
} from '../sync/walk-finisher.js';
import { sameRange } from './buckets.js';
import type { VerifyContext } from './context.js';
import { readRangeKeys } from './server-counts.js';
import { differs, type MovedRecords, recount, type Tally } from './tally.js';
import { type HealSummary, VERIFY_DEFAULTS } from './types.js';

/** What a heal of time buckets needs from the engine: its way of walking slices. */
export interface SliceHealPort {
  /** Walks the slices of walk `walkId` not yet done, to their end, as a sync walks its slices. */
  walkSlices(walkId: string, slices: readonly SliceState[], recordKeys: boolean): Promise<void>;
}

/** What a heal of a list needs from the engine: its full-refresh sync. */
export interface ListHealPort {
  /** The full-refresh sync of the stream's list (which marks deletions only after a clean read). */
  syncList(): Promise<{ deleted: number; deletionsDecided: boolean }>;
}

export interface HealState {
  tallies: Tally[];
  /** What changed since the cursor, when it was read (undefined when it was not, or was too large). */
  moved: MovedRecords | undefined;
  /** The stream's cursor, epoch seconds: the end of what was compared. */
  cursor: number;
  /** Records changed since the cursor were too many to read: no deletion can be proven. */
  movedTooMany: boolean;
}

export function healSummary(partial: Partial<HealSummary> = {}): HealSummary {
  return {
    bucketsWalked: 0,
    rounds: 0,
    records: 0,
    inserted: 0,
    updated: 0,
    deleted: 0,
    deletionsDecided: false,
    note: null,
    ...partial,
  };
}

export async function healBuckets(
  verify: VerifyContext,
  stream: IncrementalStream,
  state: HealState,
  port: SliceHealPort,
): Promise<{ state: HealState; summary: HealSummary }> {
  const { db } = verify.ctx;
  if ((await readCheckpoint(db, stream.name))?.walk)
    return {
      state,
      summary: healSummary({
        note: 'a sync walk of this stream is in progress; nothing healed (verify again once it completes)',
      }),
    };
  // Holding the stream's lock with no walk in progress: any slice of this stream is a heal's leftover.
  for (const stale of await walksWithSlices(db, stream.name)) {
    await forgetSlices(db, stale);
    await forgetWalkKeys(db, stale);
  }
  const walkId = randomUUID();
  const walked: TimeRange[] = [];
  let tallies = state.tallies;
  let moved = state.moved;
  let clean = true;
  let rounds = 0;
  let deleted = 0;
  let deletionsDecided = false;
  let note: string | null = null;
  try {
    for (; rounds < VERIFY_DEFAULTS.healRounds; rounds++) {
      const todo = tallies.filter(
        (tally) => differs(tally) && !walked.some((range) => sameRange(range, tally.range)),
      );
      if (todo.length === 0) break;
      await createSlices(
        db,
        walkId,
        stream.name,
        stream.cursor.serverOrder,
        todo.map((tally) => ({ ...tally.range, estimatedRecords: tally.server })),
        walked.length,
      );
      walked.push(...todo.map((tally) => tally.range));
      verify.run.log.info(
        { buckets: todo.length, round: rounds + 1 },
        'healing: re-walking differing buckets',
      );
      clean = (await walkInOneSnapshot(verify, stream, walkId, port)) && clean;
      tallies = await recount(verify, stream, tallies, moved, walked);
    }
    if (walked.length === 0) return { state, summary: healSummary() };
    const scope: DeletionScope = {
      // Of the scope's integrations, and only in the stretches of time the heal read.
      ...deletionScope(stream, verify.scope),
      within: {
        column: stream.cursor.column,
        ranges: walked.map((range) => ({
          from: fromEpochSeconds(range.from),
          to: fromEpochSeconds(range.to),
        })),
      },
    };
    if (!clean) note = 'the walks kept reading two daily snapshots; deletions were not decided';
    else if ((await countMissing(db, walkId, stream.table, scope)) > 0) {
      if (state.movedTooMany)
        note = 'too many records changed since the last sync to prove deletions; sync, then verify again';
      else {
        const tails = await readChangedSinceCursor(verify, stream, walkId, state.cursor, moved);
        moved = tails.moved;
        if (!tails.settled)
          note = 'records kept changing behind the heal; deletions are left for the next verify';
        else deleted = await deleteUnseen(verify, stream, walkId, scope);
        deletionsDecided = tails.settled;
      }
    } else deletionsDecided = true;
    if (deleted > 0 || moved !== state.moved) tallies = await recount(verify, stream, tallies, moved, []);
  } finally {
    await forgetSlices(db, walkId);
    await forgetWalkKeys(db, walkId);
  }
  return {
    state: { ...state, tallies, moved },
    summary: healSummary({ bucketsWalked: walked.length, rounds, deleted, deletionsDecided, note }),
  };
}

/**
 * Walks the slices until one read of them came from one daily snapshot per integration (Jira, work
 * items), as a sync's walk is re-read; false when `MAX_WALK_PASSES` reads all straddled a switch.
 */
async function walkInOneSnapshot(
  verify: VerifyContext,
  stream: IncrementalStream,
  walkId: string,
  port: SliceHealPort,
): Promise<boolean> {
  const { db } = verify.ctx;
  for (let pass = 0; ; pass++) {
    await port.walkSlices(walkId, await readSlices(db, walkId), true);
    if (switchedSnapshots(await readSnapshots(db, walkId)).length === 0) return true;
    if (pass + 1 >= MAX_WALK_PASSES) return false;
    await readAgainFromStart(db, walkId, stream.cursor.serverOrder);
  }
}

/**
 * Reads (keys only) what changed on the server since the cursor, noting every key as seen by the
 * heal's walk, until a read finds nothing: a record that moved out of a walked bucket, before or while
 * it was walked, is found there. `settled` is false when records kept coming.
 */
async function readChangedSinceCursor(
  verify: VerifyContext,
  stream: IncrementalStream,
  walkId: string,
  cursor: number,
  known: MovedRecords | undefined,
): Promise<{ settled: boolean; moved: MovedRecords }> {
  const { db } = verify.ctx;
  const keys = new Set(known?.keys ?? []);
  await recordSeenKeys(db, walkId, keys);
  let from = known?.through ?? cursor;
  for (let read = 0; read < VERIFY_DEFAULTS.maxTailReads; read++) {
    const to = toEpochSeconds(verify.ctx.now()) + 1;
    if (to <= from) return { settled: true, moved: { keys, through: from } };
    const found = await readRangeKeys(verify, stream, { from, to });
    await recordSeenKeys(db, walkId, found.keys);
    for (const key of found.keys) keys.add(key);
    from = to;
    if (found.keys.size === 0 && found.rejected === 0) return { settled: true, moved: { keys, through: to } };
  }
  return { settled: false, moved: { keys, through: from } };
}

/** Marks the rows of the walked buckets that nothing saw as deleted, with their history, in one transaction. */
async function deleteUnseen(
  verify: VerifyContext,
  stream: IncrementalStream,
  walkId: string,
  scope: DeletionScope,
): Promise<number> {
  const { ctx, run } = verify;
  const at = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const gone = await markMissingAsDeleted(trx, walkId, stream.table, at, scope);
    if (gone.keys.length > 0)
      await ctx.changeListener?.onDeleted(trx, stream.table, gone.keys, at, run.runId);
    await addToStreamRun(trx, run.runId, stream.name, { deleted: gone.keys.length });
    run.log.info({ deleted: gone.keys.length }, 'healing: rows SEI no longer lists marked deleted');
    return gone.keys.length;
  });
}

/** A list is healed by its own full-refresh sync: one consistent read, deletions only when it is clean. */
export async function healList(port: ListHealPort): Promise<HealSummary> {
  const synced = await port.syncList();
  return healSummary({
    bucketsWalked: 1,
    rounds: 1,
    deleted: synced.deleted,
    deletionsDecided: synced.deletionsDecided,
    note: synced.deletionsDecided ? null : 'the list kept changing between reads; deletions were not decided',
  });
}
