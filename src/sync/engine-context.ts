/** What every part of the engine (planner, slice walker, finisher, list walk) works with. */
import type { Kysely } from 'kysely';
import type { SyncScope } from '../config.js';
import type { DoraSettings } from '../dora/defaults.js';
import type { ListSource } from '../extract/list-request.js';
import type { ListClient } from '../extract/sei/client.js';
import type { ChangeListener } from '../load/change-listener.js';
import { recordKeyOfValue } from '../normalize/record.js';
import type { Logger } from '../observability/logger.js';
import type { Warehouse } from '../state/open.js';
import type { SyncProgress } from '../state/run-types.js';
import type { Database } from '../state/schema.js';
import type { StreamDefinition, StreamName } from '../streams/types.js';

export interface EngineSettings {
  /** Records per page asked (capped per endpoint). */
  pageSize: number;
  /** Requests one walk (a slice, a list) may make. */
  maxPages: number;
  /** Incremental windows start this long before the cursor. */
  lookbackSeconds: number;
  /** Pages of one slice in hand at once: one written while the next is fetched. */
  writeDepth: number;
  /** Slices walked at once by one process (the in-flight cap). */
  maxInFlight: number;
  /** Send `force_source=db` to endpoints that may answer from Elasticsearch. */
  forceDatabaseSource: boolean;
  /** Forced route per stream (SEI_CATEGORIES_PATH). */
  routes: Partial<Record<StreamName, string>>;
  /** Backfill horizon and integration selection (SEI_START_DATE, SEI_INTEGRATION_IDS). */
  scope: SyncScope;
  /** The DORA snapshot windows (SEI_DORA_TRAILING_DAYS, SEI_DORA_ROLLING_DAYS). */
  dora?: Partial<DoraSettings>;
}

export interface EngineContext {
  readonly warehouse: Warehouse;
  readonly db: Kysely<Database>;
  /** Behind the first-request gate and the in-flight limit. */
  readonly client: ListClient;
  readonly streams: Readonly<Record<StreamName, StreamDefinition>>;
  readonly settings: EngineSettings;
  readonly logger: Logger;
  readonly changeListener: ChangeListener | null;
  readonly now: () => Date;
}

/** Per stream run: where its log lines and progress go. */
export interface StreamRunContext<S extends StreamDefinition = StreamDefinition> {
  runId: string;
  stream: S;
  log: Logger;
  signal: AbortSignal;
  /** Called after every committed page, with the page's records. */
  onPage?: (page: { records: number }) => void;
  /** Called once a walk is planned, with the pages the server's total promises. */
  onEstimate?: (pages: number) => void;
}

/** How a walk asks the stream's endpoint for pages (on `path`, the route that answered). */
export function listSourceOf(
  ctx: {
    settings: Pick<EngineSettings, 'forceDatabaseSource'> & { scope?: Pick<SyncScope, 'integrationIds'> };
  },
  stream: StreamDefinition,
  path = stream.path,
): ListSource {
  const integrationIds = stream.integrationColumn ? ctx.settings.scope?.integrationIds : undefined;
  const baseFilter = integrationIds
    ? { ...(stream.baseFilter ?? {}), integration_ids: [...integrationIds] }
    : stream.baseFilter;
  return {
    path,
    sort: stream.sort,
    pageSizeParam: stream.pageSizeParam,
    ...(stream.maxPageSize !== undefined && { maxPageSize: stream.maxPageSize }),
    ...(baseFilter && { baseFilter }),
    ...(stream.extraBody && { extraBody: stream.extraBody }),
    ...(stream.forceDatabaseSource && ctx.settings.forceDatabaseSource && { query: { force_source: 'db' } }),
    ...(stream.fallback && { finalStatuses: stream.fallback.statuses }),
    // Hostile answers may hold nulls or arrays among the records: no key, never a throw.
    recordKey: (record) => recordKeyOfValue(stream, record),
  };
}

export function pageSizeOf(ctx: EngineContext, stream: StreamDefinition): number {
  return Math.min(ctx.settings.pageSize, stream.maxPageSize ?? Number.POSITIVE_INFINITY);
}

export type ProgressCallback = (progress: SyncProgress) => void;
