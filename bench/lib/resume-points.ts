/**
 * Where an interrupted walk resumes, and whether a rerun kept to it: shared by the worker fault tests
 * and the fault suite (`npm run chaos`).
 */
import type pg from 'pg';
import type { RequestLogEntry } from '../../src/simulator/types.js';
import type { SliceState } from '../../src/state/walk-slices.js';
import { STREAMS } from '../../src/streams/registry.js';
import type { StreamName } from '../../src/streams/types.js';

/** A stream's walk in progress: its slices as committed so far. */
export interface WalkProgress {
  walkId: string;
  /** Pages committed over all its slices. */
  pages: number;
  slices: SliceState[];
  /**
   * The end of the walk's window (epoch s). Tail slices past it (records changed while a deleting walk
   * ran) are read anew by any attempt: the finish reads the tail again until it is empty.
   */
  windowEnd: number;
}

/**
 * The requests (after a restart) that asked a walk in progress for records before one of its slices'
 * resume points, described for an assertion message: a resumed walk must start where its committed
 * pages left off. Requests past the walk's window (the tail read after a deleting walk) are left out.
 */
export function requestsBeforeResumePoints(
  entries: readonly RequestLogEntry[],
  kept: ReadonlyMap<StreamName, WalkProgress>,
): string[] {
  const problems: string[] = [];
  for (const [name, walk] of kept) {
    const stream = STREAMS[name];
    if (stream.mode !== 'incremental' || stream.cursor.serverOrder !== 'asc') continue;
    const filter = stream.cursor.filter;
    const { windowEnd } = walk;
    for (const entry of entries) {
      if (!entry.path.endsWith(stream.path) || entry.status !== 200) continue;
      const range = (entry.body?.filter as Record<string, { $gt?: unknown }> | undefined)?.[filter.field];
      if (range?.$gt === undefined) continue;
      const lower = Number(range.$gt) + (filter.inclusive ? 0 : 1);
      if (lower >= windowEnd) continue;
      const slice = walk.slices.find((s) => lower >= s.from && lower < s.to);
      if (!slice || lower < slice.resumeAt)
        problems.push(
          `${name}: asked from ${lower}, slice ${slice?.sliceNo ?? '?'} resumed at ${slice?.resumeAt ?? '?'}`,
        );
    }
  }
  return problems;
}

/** The same as test/support/run-state.ts's `walksInProgress`, on a plain pg client. */
export async function walksInProgressOn(client: pg.Client): Promise<Map<StreamName, WalkProgress>> {
  const result = await client.query<{
    stream: StreamName;
    walk_id: string;
    window_end: Date;
    slice_no: number;
    range_from: string;
    range_to: string;
    resume_at: string;
    pages: number;
    records: string;
    done: boolean;
  }>(`SELECT c.stream, c.walk_id, c.window_end, s.slice_no, s.range_from, s.range_to, s.resume_at, s.pages, s.records,
             s.done_at IS NOT NULL AS done
      FROM sei_sync.checkpoints c JOIN sei_sync.walk_slices s ON s.walk_id = c.walk_id
      ORDER BY c.stream, s.slice_no`);
  const walks = new Map<StreamName, WalkProgress>();
  for (const row of result.rows) {
    const walk = walks.get(row.stream) ?? {
      walkId: row.walk_id,
      pages: 0,
      slices: [],
      windowEnd: Math.floor(row.window_end.getTime() / 1000),
    };
    walk.pages += row.pages;
    walk.slices.push({
      walkId: row.walk_id,
      sliceNo: row.slice_no,
      from: Number(row.range_from),
      to: Number(row.range_to),
      resumeAt: Number(row.resume_at),
      estimatedRecords: null,
      pages: row.pages,
      records: Number(row.records),
      done: row.done,
      claimedBy: null,
      remainingRecords: null,
      splitFrom: null,
      pagesAhead: null,
    });
    walks.set(row.stream, walk);
  }
  for (const [stream, walk] of walks) if (walk.pages === 0) walks.delete(stream);
  return walks;
}
