/**
 * The walker of the DORA snapshot streams (mode `dora_snapshot`): the whole walk happens in `plan`, as a
 * whole-list read does, and ends `done`. Per collection with a workflow profile, one request per metric
 * (pages for the drilldown), each answer written as one page (rows, history, ledger counts) through the
 * normal write path. A collection the server cannot compute (its 500s and 400s are deterministic:
 * no profile, a profile without that section, a CFR over no deployment) is skipped and named in the
 * summary's note, never retried; any other failure fails the stream as usual.
 */
import { randomUUID } from 'node:crypto';
import { costOfFailure, type RequestCost } from '../extract/list-request.js';
import { SeiError } from '../extract/sei/errors.js';
import type { SeiRecord } from '../extract/sei/types.js';
import { writeWalkedPage } from '../load/commit-page.js';
import { normalizePage } from '../normalize/page.js';
import { addToStreamRun } from '../state/ledger.js';
import type { DoraSnapshotStream } from '../streams/types.js';
import type { EngineContext, StreamRunContext } from '../sync/engine-context.js';
import type { ListSyncResult } from '../sync/list-sync.js';
import { awaitSource } from '../sync/source-wait.js';
import { type CollectionsToSnapshot, collectionsToSnapshot, type DoraCollection } from './collections.js';
import { DORA_DEFAULTS } from './defaults.js';
import {
  BUCKET_METRICS,
  type BucketMetric,
  bucketBody,
  DORA_PATHS,
  drilldownBody,
  VELOCITY_METRICS,
  VELOCITY_QUERY,
  velocityBody,
  WIDGETS,
} from './requests.js';
import { type DayWindow, trailingDays, utcDate } from './windows.js';

/** Statuses the DORA endpoints answer for a collection they cannot compute (not worth a retry). */
const NOT_COMPUTABLE = [400, 500] as const;

type Run = StreamRunContext<DoraSnapshotStream>;

interface Answer {
  value: Record<string, unknown>;
  cost: RequestCost;
}

interface WalkState {
  skipped: string[];
  reads: number;
}

/**
 * The Walker (src/sync/walkers/index.ts, entry `dora_snapshot`) of a DORA snapshot stream. Not a list
 * walker: SEI gives no count of its DORA answers to compare, so verify does not take these streams.
 */
export function doraWalker(ctx: EngineContext, run: Run) {
  const snapshot = async (sourceWaitMs: number) => {
    await awaitSource(ctx, run.runId, run.stream, run.signal, sourceWaitMs);
    return { kind: 'done' as const, summary: await snapshotStream(ctx, run) };
  };
  return {
    plan: ({ sourceWaitMs }: { sourceWaitMs: number }) => snapshot(sourceWaitMs),
    // Nothing to walk in slices: the plan did it all.
    walkSlice: async () => {},
    finish: () => snapshot(0),
  };
}

async function snapshotStream(ctx: EngineContext, run: Run): Promise<ListSyncResult> {
  const settings = { ...DORA_DEFAULTS, ...ctx.settings.dora };
  const asOf = settings.asOf ?? ctx.now();
  const state: WalkState = { skipped: [], reads: 0 };
  if (run.stream.snapshot === 'contributors') {
    const answer = await ask(ctx, run, DORA_PATHS.contributors, { page: 0 }, {});
    const details = Array.isArray(answer.value.org_user_details) ? answer.value.org_user_details : [];
    const snapshotDate = utcDate(asOf);
    const records = details.map((detail) => ({ snapshot_date: snapshotDate, ...(detail as SeiRecord) }));
    await write(ctx, run, records, answer.cost);
    return { deleted: 0, deletionsDecided: false, reads: 1 };
  }
  const collections = await collectionsToSnapshot(ctx.db);
  const trailing = trailingDays(asOf, settings.trailingDays, ctx.settings.scope.startDate);
  const rolling = trailingDays(asOf, settings.rollingDays);
  for (const collection of collections.withProfile) {
    run.signal.throwIfAborted();
    if (run.stream.snapshot === 'buckets') await buckets(ctx, run, collection, trailing, state);
    else if (run.stream.snapshot === 'snapshots')
      await snapshots(ctx, run, collection, rolling, utcDate(asOf), state);
    else await drilldown(ctx, run, collection, trailing, state);
  }
  return { deleted: 0, deletionsDecided: false, reads: state.reads, note: noteOf(collections, state) };
}

function noteOf(collections: CollectionsToSnapshot, state: WalkState): string {
  const parts = [`${collections.withProfile.length} collections with a workflow profile`];
  if (collections.withoutProfile.length > 0)
    parts.push(
      `${collections.withoutProfile.length} without one skipped (${collections.withoutProfile.join(', ')})`,
    );
  if (collections.profileDeleted.length > 0)
    parts.push(
      `${collections.profileDeleted.length} whose profile was deleted skipped (${collections.profileDeleted.join(', ')})`,
    );
  if (state.skipped.length > 0) parts.push(`not computed by SEI: ${state.skipped.join('; ')}`);
  return parts.join('; ');
}

/** One request; a deterministic refusal of this collection is undefined (noted), anything else throws. */
async function askOrSkip(
  ctx: EngineContext,
  run: Run,
  collection: DoraCollection,
  what: string,
  path: string,
  body: Record<string, unknown> & { page: number },
  query: Record<string, string>,
  state: WalkState,
): Promise<Answer | undefined> {
  try {
    const answer = await ask(ctx, run, path, body, query);
    state.reads++;
    return answer;
  } catch (error) {
    if (!(error instanceof SeiError) || !NOT_COMPUTABLE.includes(error.status as 400 | 500)) throw error;
    await addToStreamRun(ctx.db, run.runId, run.stream.name, costOfFailure(error));
    // The server's own words (our message adds advice for a transient 5xx, which this is not).
    const said = /: "(.*)"/.exec(error.message)?.[1];
    const reason = `${error.status}${said === undefined ? '' : ` "${said}"`}`;
    state.skipped.push(`collection ${collection.id} ${what}: ${reason}`);
    run.log.warn({ collection: collection.id, status: error.status }, `DORA ${what} skipped: ${reason}`);
    return undefined;
  }
}

async function ask(
  ctx: EngineContext,
  run: Run,
  path: string,
  body: Record<string, unknown> & { page: number },
  query: Record<string, string>,
): Promise<Answer> {
  const result = await ctx.client.list(path, body, {
    signal: run.signal,
    query,
    envelope: 'object',
    finalStatuses: NOT_COMPUTABLE,
  });
  const value = result.response as unknown;
  return {
    value: typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {},
    cost: { requests: result.attempts, retries: result.retries, rateLimited: result.rateLimited },
  };
}

async function write(ctx: EngineContext, run: Run, records: readonly SeiRecord[], cost: RequestCost) {
  await writeWalkedPage(ctx, run, {
    walkId: randomUUID(),
    normalized: normalizePage(run.stream, records),
    records: records.length,
    cost,
    recordKeys: false,
    snapshots: new Map(),
  });
}

const common = (collection: DoraCollection) => ({
  collection_id: collection.id,
  profile_id: collection.profileId,
  source: collection.source,
});

/** Deployment frequency or change failure rate of one collection over a window (buckets and stats). */
function askBucketMetric(
  ctx: EngineContext,
  run: Run,
  collection: DoraCollection,
  metric: (typeof BUCKET_METRICS)[number],
  window: DayWindow,
  state: WalkState,
) {
  return askOrSkip(
    ctx,
    run,
    collection,
    metric,
    DORA_PATHS[metric],
    bucketBody(collection, window),
    {},
    state,
  );
}

/** The day buckets of DF and CFR over the trailing window, one row per (collection, metric, day). */
async function buckets(
  ctx: EngineContext,
  run: Run,
  collection: DoraCollection,
  window: DayWindow,
  state: WalkState,
) {
  for (const metric of BUCKET_METRICS) {
    const answer = await askBucketMetric(ctx, run, collection, metric, window, state);
    if (!answer) continue;
    const series = answer.value.time_series as { day?: unknown } | undefined;
    const days = Array.isArray(series?.day) ? (series.day as SeiRecord[]) : [];
    const records = days.map((bucket) => ({
      ...bucket,
      ...common(collection),
      metric,
      day: utcDate(new Date(Number(bucket.key) * 1000)),
    }));
    await write(ctx, run, records, answer.cost);
  }
}

/** The as-of stats of the rolling window: DF, CFR (stats), lead time and MTTR (stage aggregates). */
async function snapshots(
  ctx: EngineContext,
  run: Run,
  collection: DoraCollection,
  window: DayWindow,
  snapshotDate: string,
  state: WalkState,
) {
  const row = (metric: string, answer: Answer, fields: SeiRecord) => ({
    ...fields,
    ...common(collection),
    snapshot_date: snapshotDate,
    metric,
    window_start: window.gt,
    window_end: window.lt,
    answer: answer.value,
  });
  for (const metric of BUCKET_METRICS) {
    const answer = await askBucketMetric(ctx, run, collection, metric, window, state);
    if (!answer) continue;
    const stats = (answer.value.stats ?? {}) as SeiRecord;
    await write(ctx, run, [row(metric, answer, stats)], answer.cost);
  }
  for (const metric of VELOCITY_METRICS) {
    const answer = await askOrSkip(
      ctx,
      run,
      collection,
      metric,
      DORA_PATHS[metric],
      velocityBody(collection, metric, window),
      VELOCITY_QUERY,
      state,
    );
    if (!answer) continue;
    // The server's shape (median, mean, p90, p95, count) and the documented one (min, max as well).
    const stages = Array.isArray(answer.value.records) ? answer.value.records : [];
    await write(ctx, run, [row(metric, answer, { stages })], answer.cost);
  }
}

/** The identity of a drilldown row, by the source that served it (docs/sei-dora-server.md §5). */
export function drilldownRowId(row: SeiRecord): { id: string; source: string } | undefined {
  const present = (value: unknown) => value !== undefined && value !== null && value !== '';
  if (present(row.idCicd)) return { id: String(row.idCicd), source: 'CICD' };
  if (present(row.key) && present(row.integration_id_im ?? row.integration_id))
    return { id: `${row.integration_id_im ?? row.integration_id}:${row.key}`, source: 'IM' };
  if (present(row.workitem_id))
    return { id: `${row.integration_id_im ?? ''}:${row.workitem_id}`, source: 'IM' };
  if (present(row.commit_sha)) return { id: String(row.commit_sha), source: 'SCM' };
  if (present(row.id)) return { id: `${row.integration_id ?? ''}:${row.id}`, source: 'SCM' };
  return undefined;
}

const DEPLOYED_AT_FIELDS = [
  'end_time',
  'pr_merged_at',
  'issue_resolved_at',
  'commit_pushed_at',
  'pr_closed_at',
];

/** The rows behind DF and CFR over the trailing window, paged, upserted by (collection, widget, row). */
async function drilldown(
  ctx: EngineContext,
  run: Run,
  collection: DoraCollection,
  window: DayWindow,
  state: WalkState,
) {
  const pageSize = ctx.settings.pageSize;
  for (const metric of BUCKET_METRICS as readonly BucketMetric[]) {
    for (let page = 0; page < ctx.settings.maxPages; page++) {
      const answer = await askOrSkip(
        ctx,
        run,
        collection,
        `${WIDGETS[metric]} drilldown`,
        DORA_PATHS.drilldown,
        drilldownBody(collection, metric, window, page, pageSize),
        {},
        state,
      );
      if (!answer) break;
      const rows = Array.isArray(answer.value.records) ? (answer.value.records as SeiRecord[]) : [];
      const field = [collection.calculationField, ...DEPLOYED_AT_FIELDS].find(
        (name) => name !== null && rows[0]?.[name] !== undefined,
      );
      const records = rows.map((row) => {
        const identity = drilldownRowId(row);
        return {
          ...row,
          collection_id: collection.id,
          widget: WIDGETS[metric],
          row_id: identity?.id,
          source: identity?.source ?? collection.source,
          deployed_at: field ? row[field] : undefined,
          title: row.title ?? row.summary ?? row.job_name,
          status: row.status ?? row.state,
        };
      });
      await write(ctx, run, records, answer.cost);
      const metadata = answer.value._metadata as { has_next?: unknown } | undefined;
      if (metadata?.has_next !== true || rows.length === 0) break;
    }
  }
}
