/** What every part of the engine (planner, slice walker, finisher, list walk) works with: types only. */
import type { Kysely } from 'kysely';
import type { SyncScope } from '../config.js';
import type { DoraSettings } from '../dora/defaults.js';
import type { PageBudget } from '../extract/page-budget.js';
import type { ListClient } from '../extract/sei/client.js';
import type { ChangeListener } from '../load/change-listener.js';
import type { Logger } from '../observability/logger.js';
import type { Warehouse } from '../state/open.js';
import type { SyncProgress } from '../state/run-types.js';
import type { Database } from '../state/schema.js';
import type { AnyStreamDefinition, AnyStreamName, StreamDefinition, StreamName } from '../streams/types.js';
import type { V2Runtime } from '../v2/runtime.js';
import type { Semaphore } from './semaphore.js';

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
  /** Walkers split running slices once theirs is done (work-stealing.ts). */
  workStealing: boolean;
  /** Rounds of counts that teach the plan something (src/extract/slicing.ts): fewer when walkers steal. */
  planRounds: number;
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
  /** Pages fetched and not yet committed, for the whole process (SEI_SYNC_PAGES_IN_HAND). */
  readonly pages: PageBudget;
  /**
   * Pages of keyset walks being written at once, for the whole process (`PAGES_IN_HAND.beyondInFlight`):
   * a page being written holds its prepared rows and COPY buffers besides its records and rows, about
   * three times what a page waiting for its write holds, so the pages in hand wait their turn here.
   */
  readonly pageWrites: Semaphore;
  readonly streams: Readonly<Record<AnyStreamName, AnyStreamDefinition>>;
  /** SEI 2.0: its client and settings, when configured (src/v2/). */
  readonly v2: V2Runtime | undefined;
  readonly settings: EngineSettings;
  readonly logger: Logger;
  readonly changeListener: ChangeListener | null;
  readonly now: () => Date;
  /** Whether a list has answered in this process: a 404 is then about one list, not the base URL. */
  readonly listsAnswered: () => boolean;
}

/** Per stream run: where its log lines and progress go. */
export interface StreamRunContext<S extends AnyStreamDefinition = StreamDefinition> {
  runId: string;
  stream: S;
  log: Logger;
  signal: AbortSignal;
  /** Called after every committed page, with the page's records. */
  onPage?: (page: { records: number }) => void;
  /** Called once a walk is planned, with the pages the server's total promises. */
  onEstimate?: (pages: number) => void;
  /** The route the stream answers on (probed and remembered when it has alternatives: extract/routes.ts). */
  route(): Promise<string>;
}

export type ProgressCallback = (progress: SyncProgress) => void;
