/**
 * The sync engine, composed: the one path every mode uses to copy a stream from SEI into the warehouse.
 *
 * Every stream runs the same three steps of its walker (walkers/), chosen by its mode:
 *
 *   plan    plan the walk (or continue the one in progress): window, counts, slices (walk-planner.ts);
 *           a full-refresh list is read whole here (list-sync.ts);
 *   slices  walk each slice, committing page by page with its resume point (slice-walk.ts);
 *   finish  re-read a walk that spanned two snapshots, decide deletions, move the cursor (walk-finisher.ts).
 *
 * Two drivers call them: `syncStream` in this process (local-driver.ts: the `sync` command, the demo),
 * slices in parallel up to the in-flight cap; the worker one step per BullMQ job (worker-steps.ts,
 * slices as child jobs), so many workers share one large stream. Both run each stream (or step) through
 * one stream-run wrapper (stream-run.ts: lock, ledger row, errors); the counts of a stream run live in
 * its ledger row, added in each page's transaction, so they are exact whichever processes walked it.
 */
import { type Config, DEFAULTS, PAGES_IN_HAND } from '../config.js';
import { gateFirstRequest } from '../extract/first-request-gate.js';
import { PageBudget } from '../extract/page-budget.js';
import { routeOverrides } from '../extract/routes.js';
import type { ListClient } from '../extract/sei/client.js';
import { InFlightLimit } from '../extract/sei/in-flight.js';
import { SLICING_DEFAULTS } from '../extract/slicing.js';
import type { ChangeListener } from '../load/change-listener.js';
import { historyChangeListener } from '../load/history.js';
import type { Logger } from '../observability/logger.js';
import type { Warehouse } from '../state/open.js';
import { DORA_STREAMS, STREAMS } from '../streams/registry.js';
import type { AnyStreamDefinition, StreamDefinition, StreamName } from '../streams/types.js';
import { V2_STREAMS } from '../streams/v2-streams.js';
import type { V2Runtime } from '../v2/runtime.js';
import type { EngineContext, StreamRunContext } from './engine-context.js';
import { localFanOut, localSync } from './local-driver.js';
import { runLedger } from './run-ledger.js';
import { Semaphore } from './semaphore.js';
import { createStreamRuns } from './stream-run.js';
import type { SyncEngine } from './types.js';
import { verifySteps } from './verify-steps.js';
import { walkerOf } from './walkers/index.js';
import { workerSteps } from './worker-steps.js';

export type { ChangeListener } from '../load/change-listener.js';

export interface SyncEngineOptions {
  warehouse: Warehouse;
  client: ListClient;
  config: Pick<Config, 'lookbackSeconds'> &
    Partial<Pick<Config, 'pageWriters' | 'pagesInHand' | 'workStealing' | 'scope' | 'dora'>> & {
      sei: Pick<Config['sei'], 'pageSize' | 'maxPages' | 'requestsPerMinute'> &
        Partial<Pick<Config['sei'], 'maxInFlight' | 'forceDatabaseSource' | 'categoriesPath' | 'baseUrl'>>;
    };
  logger: Logger;
  /** @defaultValue every stream of the registry */
  streams?: Readonly<Record<StreamName, StreamDefinition>>;
  /** @defaultValue the SCD-2 history layer (src/load/history.ts); null turns history off */
  changeListener?: ChangeListener | null;
  /** @defaultValue () => new Date() */
  now?: () => Date;
  /**
   * Rounds of counts that teach a walk's plan something.
   * @defaultValue SLICING_DEFAULTS.roundsWithStealing when walkers steal, else SLICING_DEFAULTS.rounds
   */
  planRounds?: number;
  /** SEI 2.0's client and settings (src/v2/); without it the 2.0 streams fail with a line saying what to set. */
  v2?: V2Runtime;
  /**
   * @defaultValue at most `config.pagesInHand` pages (the in-flight cap + `PAGES_IN_HAND.beyondInFlight`
   * unless set), at each moment the in-flight limit + `PAGES_IN_HAND.beyondInFlight`
   */
  pages?: PageBudget;
  /** @defaultValue `PAGES_IN_HAND.beyondInFlight` pages of keyset walks written at once */
  pageWrites?: Semaphore;
}

export const ENGINE_DEFAULTS = { maxInFlight: 16, forceDatabaseSource: true } as const;

export { SYNC_ERROR_CODES, SyncStreamError } from '../errors.js';
export { interruption, toRunError } from './run-error.js';

function engineContext(options: SyncEngineOptions, maxInFlight: number): EngineContext {
  const { warehouse, config } = options;
  const workStealing = config.workStealing ?? DEFAULTS.workStealing;
  // A wrong key, base URL or unreachable host costs one request (and its retries), not one per stream
  // started at once; then as many requests in flight as the budget and the server's latency call for.
  const host = config.sei.baseUrl === undefined ? undefined : new URL(config.sei.baseUrl).host;
  const gate = gateFirstRequest(options.client, { host });
  const client = new InFlightLimit(gate, {
    requestsPerMinute: config.sei.requestsPerMinute,
    maxInFlight,
  });
  return {
    warehouse,
    db: warehouse.db,
    client,
    // One budget for every slice and stream of this process (and both drivers).
    // Pages in hand follow the requests the latency calls for, plus the pages being written.
    pages:
      options.pages ??
      new PageBudget(
        config.pagesInHand ?? maxInFlight + PAGES_IN_HAND.beyondInFlight,
        () => client.limit + PAGES_IN_HAND.beyondInFlight,
        PAGES_IN_HAND.parsed,
      ),
    // The pages being written, which the budget above counts beyond the requests in flight.
    pageWrites: options.pageWrites ?? new Semaphore(PAGES_IN_HAND.beyondInFlight),
    streams: { ...(options.streams ?? STREAMS), ...DORA_STREAMS, ...V2_STREAMS },
    v2: options.v2,
    settings: {
      pageSize: config.sei.pageSize,
      maxPages: config.sei.maxPages,
      lookbackSeconds: config.lookbackSeconds,
      // The embedded database has one connection: a second page in hand would only queue behind the first.
      writeDepth: Math.min(2, config.pageWriters ?? (warehouse.kind === 'postgres' ? 2 : 1)),
      maxInFlight,
      workStealing,
      planRounds:
        options.planRounds ?? (workStealing ? SLICING_DEFAULTS.roundsWithStealing : SLICING_DEFAULTS.rounds),
      forceDatabaseSource: config.sei.forceDatabaseSource ?? ENGINE_DEFAULTS.forceDatabaseSource,
      routes: routeOverrides(config.sei.categoriesPath),
      scope: config.scope ?? { startDate: undefined, integrationIds: undefined },
      ...(config.dora && { dora: config.dora }),
    },
    logger: options.logger,
    changeListener: options.changeListener === undefined ? historyChangeListener : options.changeListener,
    now: options.now ?? (() => new Date()),
    listsAnswered: () => gate.answered,
  };
}

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const { warehouse, logger } = options;
  const maxInFlight = options.config.sei.maxInFlight ?? ENGINE_DEFAULTS.maxInFlight;
  const ctx = engineContext(options, maxInFlight);
  const databaseAddress =
    warehouse.kind === 'postgres' ? warehouse.location.replace(/^postgres:\/\//, '') : undefined;
  const runs = createStreamRuns(ctx, databaseAddress);
  /** Slices walked at once by this process, across every stream and both drivers. */
  const slots = new Semaphore(maxInFlight);
  const fanOut = localFanOut(slots);
  const walker = (run: StreamRunContext<AnyStreamDefinition>) => walkerOf(ctx, run, fanOut);
  return {
    ...runLedger(ctx),
    syncStream: localSync(runs, fanOut, walker),
    ...workerSteps(runs, slots, walker),
    ...verifySteps(ctx, runs, fanOut, logger),
  };
}
