/**
 * An SEI API simulator: a plain `node:http` server that serves every list endpoint of
 * README "SEI API notes" with a deterministic seeded dataset and SEI's quirks, plus injectable faults.
 *
 * ```ts
 * import { startSimulator } from './simulator/index.js';
 * const sim = await startSimulator({ records: 5000, seed: 7, faults: { rateLimited: 0.02 } });
 * // POST `${sim.url}/v1/jira_issues/list?there_is_no_cache=true`
 * //   Authorization: APIKEY ${sim.adminKey}
 * //   {"page":0,"page_size":1000,"sort":[{"id":"issue_updated_at","desc":false}]}
 * sim.mutateDuringWalk('jira_issues', 2, { insert: 5, update: 10, delete: 3 }); // pages shift under the walk
 * const expected = sim.dataset.records('jira_issues'); // what a complete walk returns now
 * await sim.close();
 * ```
 * CLI: `sei-sync simulator --port 8700 --records 100000 --seed 1 --fault-429 0.02 --hostile 0.01`.
 *
 * Behaviour (what a client must survive):
 * - Paths match at the root and under any prefix (`/gratis/sei/api/v1/...`); others get 404, non-POST 405.
 * - `Authorization: <APIKEY|ApiKey|Apikey|Bearer, any case> <key>`: unknown/missing key 401, Ingestion key 403.
 * - Quirks (./quirks.ts) are knobs: `quirks: 'polite'` serves a server without them (`sei-sync probe`).
 * - Body must be a JSON object (else 400). `page` 0-based; `page_size` (collection categories read
 *   `pageSize` and ignore `page_size`) defaults to 1000; Jira refuses more than 10000
 *   (`400 page_size cannot exceed 10000`).
 * - `filter.integration_ids` (strings), time ranges `{"$gt": s, "$lt": s}` (exclusive, epoch seconds,
 *   also for CI/CD `start_time`/`end_time` which records store in ms); unknown filter keys are ignored.
 *   `ou_ids` rewrites the request to the collection's integrations (`COLLECTION_INTEGRATION_IDS`),
 *   replacing `integration_ids`: records of the other integrations silently go missing.
 * - `sort: [{id, desc}]` on any top-level field; ties break by record ordinal (creation order), so
 *   the order is total and stable. Without `sort`, every request sees a new seeded permutation.
 * - Without `?there_is_no_cache=true`, a body asked before gets the page as it was the first time.
 * - `has_next` = page full (the page after an exactly full last page is empty); org users:
 *   `total_count > count` plus `non_users_count`; org units: `total_count` = records on the page.
 *   `next_page` only when `has_next`. Null fields are omitted everywhere.
 * - Record shapes and units: see the generators in ./generators/ (one per stream). In short:
 *
 *   | stream | key | updated-at (bumped by updates) | units |
 *   |---|---|---|---|
 *   | integrations | id ("378") | updated_at | s |
 *   | jira_issues | integration_id + key (no id) | issue_updated_at | s, ingested_at midnight UTC |
 *   | workitems | integration_id + workitem_id (id UUID) | workitem_updated_at | s |
 *   | scm_pull_requests | id (UUID) | pr_updated_at | s (first_review_at, 0 if none) |
 *   | scm_commits | id (UUID) | committed_at | s |
 *   | cicd_job_runs | id (UUID) | end_time (absent while RUNNING) | start/end ms, duration s |
 *   | org_users | id (UUID; "0" for External Users) | updated_at | ms |
 *   | org_units | id (ref id "76"...), ou_id UUID | none (version bumps) | ms; members in default_section.users |
 *   | collection_categories | id (UUID) | updated_at | ms |
 *
 * - `holdRequests({ after, stream? })` pauses the server after that many list requests (held ones wait
 *   for `releaseRequests()`); another process does the same with the admin key at `POST /_simulator/gate`.
 * - Datasets are seeded up to 2025-01-01T00:00Z (`DEFAULT_DATASET_END_SECONDS`), independent of the
 *   clock; inserts and updates carry the wall-clock time of the mutation.
 * - Defaults: 1000 records per large stream, 7 integrations, 64 org users (8 external), 24 org units,
 *   3 categories. Keys: `sim-admin-key` (Admin), `sim-ingestion-key` (Ingestion).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SeiRecord } from '../extract/sei/types.js';
import { STREAM_NAMES, type StreamName } from '../streams/types.js';
import { Dataset } from './dataset.js';
import { FaultInjector } from './faults.js';
import { type GateState, type HoldOptions, RequestGate } from './gate.js';
import { type QuirkOptions, resolveQuirks } from './quirks.js';
import { SimulatorServer } from './server.js';
import type { FaultOptions, RequestLogEntry, SimulatorHandle, SimulatorOptions } from './types.js';
import { V2Api } from './v2/api.js';

export {
  DEFAULT_DATASET_END_SECONDS,
  DEFAULT_RECORDS,
  DEFAULT_SMALL_STREAM_SIZES,
  LARGE_STREAMS,
} from './dataset.js';
export { endpointOf, SIM_ENDPOINTS, type SimEndpoint } from './endpoints.js';
export { DEFAULT_FAULTS } from './faults.js';
export type { GateState, HoldOptions } from './gate.js';
export { HOSTILE_KINDS, type HostileKind, hostileKindOf } from './hostile.js';
export { type LatencyModel, LOADED_TENANT_LATENCY } from './latency.js';
export { COLLECTION_INTEGRATION_IDS } from './query.js';
export {
  POLITE_QUIRKS,
  QUIRK_PRESETS,
  type QuirkOptions,
  type QuirkPreset,
  STRICT_QUIRKS,
} from './quirks.js';
export { GATE_PATH } from './server.js';
export type * from './types.js';
export { CORE_INTEGRATIONS } from './universe.js';
export type { V2Api } from './v2/api.js';
export * from './v2/types.js';

export const SIMULATOR_DEFAULT_ADMIN_KEY = 'sim-admin-key';
export const SIMULATOR_DEFAULT_INGESTION_KEY = 'sim-ingestion-key';
export const SIMULATOR_DEFAULT_SEED = 1;
export const SIMULATOR_DEFAULT_HOST = '127.0.0.1';
export const SIMULATOR_DEFAULT_REQUEST_LOG_LIMIT = 100_000;

/** A handle with a few extras beyond the shared contract (the key of a record as `mutate` reports it). */
export interface SimulatorHandleWithExtras extends SimulatorHandle {
  /** The natural key `dataset.mutate` reports for `record` (composite keys joined with `/`). */
  recordKey(stream: StreamName, record: SeiRecord): string;
  /** Current fault settings (after `setFaults`). */
  readonly faults: Readonly<FaultOptions>;
  /** Milliseconds spent building answers (filtering, sorting, serializing) since start. */
  readonly busyMs: number;
  /**
   * Pauses the server: `options.after` list requests (of `options.stream`, if given) are answered, then
   * every list request waits unanswered until `releaseRequests()`. From another process: POST to
   * `GATE_PATH` with the admin key.
   */
  holdRequests(options: HoldOptions): void;
  /** Answers the held requests and stops holding. */
  releaseRequests(): void;
  /** Resolves once at least `count` requests are held. */
  whenHeld(count?: number): Promise<void>;
  readonly gate: GateState;
  /** The SEI 2.0 side: org structure, export jobs, `setFaults`, `exports.restate(fromDate)`. */
  readonly v2: V2Api;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandleWithExtras> {
  const seed = options.seed ?? SIMULATOR_DEFAULT_SEED;
  const adminKeys = options.adminKeys ?? [SIMULATOR_DEFAULT_ADMIN_KEY];
  const ingestionKeys = options.ingestionKeys ?? [SIMULATOR_DEFAULT_INGESTION_KEY];
  const quirks = resolveQuirks(options.quirks);
  const dataset = new Dataset({
    seed,
    subSecondCursors: quirks.subSecondCursors,
    ...(options.records !== undefined ? { records: options.records } : {}),
    ...(options.streamSizes ? { streamSizes: options.streamSizes } : {}),
    ...(options.hostile !== undefined ? { hostile: options.hostile } : {}),
  });
  const faults = new FaultInjector(seed, options.faults ?? {});
  const setQuirks = (next: Partial<QuirkOptions>) => {
    Object.assign(quirks, next);
    for (const stream of STREAM_NAMES)
      dataset.state(stream).mixedSnapshots = quirks.mixedSnapshots.includes(stream);
  };
  setQuirks({});
  const gate = new RequestGate();
  let requestLog: RequestLogEntry[] = [];
  const v2 = new V2Api({
    seed,
    universe: dataset.universe,
    adminKeys: new Set(adminKeys),
    ingestionKeys: new Set(ingestionKeys),
    options: options.v2 ?? {},
  });
  const simulator = new SimulatorServer({
    dataset,
    faults,
    gate,
    adminKeys: new Set(adminKeys),
    ingestionKeys: new Set(ingestionKeys),
    get requestLog() {
      return requestLog;
    },
    requestLogLimit: options.requestLogLimit ?? SIMULATOR_DEFAULT_REQUEST_LOG_LIMIT,
    seed,
    ...(options.latency && { latency: options.latency }),
    fixedEndpoints: new Set(options.fixedEndpoints ?? []),
    v2,
    quirks,
  });
  const server: Server = createServer({ keepAlive: true }, simulator.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? SIMULATOR_DEFAULT_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    adminKey: adminKeys[0] ?? SIMULATOR_DEFAULT_ADMIN_KEY,
    ingestionKey: ingestionKeys[0] ?? SIMULATOR_DEFAULT_INGESTION_KEY,
    dataset,
    get requestLog() {
      return requestLog;
    },
    get faults() {
      return faults.faults;
    },
    get busyMs() {
      return simulator.busyMs;
    },
    get gate() {
      return gate.state;
    },
    holdRequests(hold) {
      gate.hold(hold);
    },
    releaseRequests() {
      gate.release();
    },
    whenHeld(count) {
      return gate.whenHeld(count);
    },
    v2,
    clearRequestLog() {
      requestLog = [];
    },
    setFaults(next) {
      faults.set(next);
    },
    setQuirks,
    mutateDuringWalk(stream, afterRequests, mutation) {
      simulator.mutateDuringWalk(stream, afterRequests, mutation);
    },
    switchSnapshotDuringWalk(stream, afterRequests, change) {
      simulator.switchSnapshotDuringWalk(stream, afterRequests, change);
    },
    recordKey(stream, record) {
      return dataset.keyOf(stream, record);
    },
    close() {
      // Held requests are answered (to clients long gone) so that the server can close.
      gate.release();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
