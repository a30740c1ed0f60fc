/**
 * The live dataset: seeded records generated on demand from (seed, ordinal), plus an overlay of the
 * mutations applied since (inserted and updated records materialised, deleted ordinals marked).
 * Nothing proportional to the stream size is built until a query needs it, and then only compact
 * typed arrays (one column of sort/filter values, one order of ordinals).
 */
import type { SeiRecord } from '../extract/sei/types.js';
import { STREAM_NAMES, type StreamName } from '../streams/types.js';
import { cicdJobRunsGenerator } from './generators/cicd-job-runs.js';
import {
  cicdInstancesGenerator,
  cicdJobRunTestsGenerator,
  cicdJobsGenerator,
} from './generators/cicd-more.js';
import { integrationsGenerator } from './generators/integrations.js';
import { jiraIssuesGenerator } from './generators/jira-issues.js';
import { jiraFieldsGenerator, jiraProjectsGenerator } from './generators/jira-meta.js';
import { collectionCategoriesGenerator, orgUnitsGenerator, orgUsersGenerator } from './generators/org.js';
import { pagerdutyAlertsGenerator, pagerdutyIncidentsGenerator } from './generators/pagerduty.js';
import { scmCommitsGenerator } from './generators/scm-commits.js';
import { scmIssuesGenerator } from './generators/scm-issues.js';
import { scmPullRequestsGenerator } from './generators/scm-pull-requests.js';
import { jiraSprintsGenerator, workitemSprintsGenerator } from './generators/sprints.js';
import { type GeneratorContext, midnightUtcSeconds, type StreamGenerator } from './generators/types.js';
import { userIdentitiesGenerator } from './generators/user-identities.js';
import { workitemsGenerator } from './generators/workitems.js';
import { productsGenerator, workflowProfilesGenerator } from './generators/workspaces.js';
import { withHostileRecords } from './hostile.js';
import { Rng } from './random.js';
import type { DatasetMutation, SimulatorDataset } from './types.js';
import { STREAM_TAGS, Universe } from './universe.js';

/** Sizes of the streams `records` does not set. */
export const DEFAULT_SMALL_STREAM_SIZES = {
  integrations: 8,
  org_users: 64,
  org_units: 24,
  collection_categories: 3,
  // Two Jira sites with 12 two-week sprints each, the last active and the next planned.
  jira_sprints: 24,
  jira_fields: 20,
  jira_projects: 12,
  workitem_sprints: 12,
  // Every person (org users less the external ones) in each of four integrations.
  user_identities: 224,
  scm_issues: 120,
  // 8 tests for each of the first 30 job runs.
  cicd_job_run_tests: 240,
  cicd_instances: 3,
  // One per job of ./generators/cicd-job-runs.ts.
  cicd_jobs: 6,
  pagerduty_incidents: 60,
  pagerduty_alerts: 120,
  products: 3,
  workflow_profiles: 3,
} as const satisfies Partial<Record<StreamName, number>>;

/** Size of each large stream when neither `records` nor `streamSizes` says. @defaultValue 1000 */
export const DEFAULT_RECORDS = 1000;

/** Seeded instants lie before this (2025-01-01T00:00:00Z), so datasets do not depend on the clock. */
export const DEFAULT_DATASET_END_SECONDS = 1_735_689_600;

export const LARGE_STREAMS = [
  'jira_issues',
  'workitems',
  'scm_pull_requests',
  'scm_commits',
  'cicd_job_runs',
] as const;

/**
 * Streams of a few hundred records by default that follow `records` when it asks for fewer: a small
 * dataset (the tests') stays small everywhere, a large one (the benchmarks') does not grow them.
 */
const CAPPED_BY_RECORDS: ReadonlySet<StreamName> = new Set([
  'user_identities',
  'scm_issues',
  'cicd_job_run_tests',
]);

export interface DatasetOptions {
  seed: number;
  records?: number;
  streamSizes?: Partial<Record<StreamName, number>>;
  endSeconds?: number;
  /** The clock used for mutations (ms). @defaultValue Date.now */
  nowMs?: () => number;
  /** Share of each stream's records made hostile (./hostile.ts). @defaultValue 0 */
  hostile?: number;
  /** Work items' updated-at in ms with a fraction of a second (./quirks.ts). @defaultValue true */
  subSecondCursors?: boolean;
}

export function resolveStreamSizes(options: DatasetOptions): Record<StreamName, number> {
  const sizes = {} as Record<StreamName, number>;
  for (const stream of STREAM_NAMES) {
    const isLarge = (LARGE_STREAMS as readonly string[]).includes(stream);
    const small = DEFAULT_SMALL_STREAM_SIZES[stream as keyof typeof DEFAULT_SMALL_STREAM_SIZES];
    const fallback = isLarge
      ? (options.records ?? DEFAULT_RECORDS)
      : CAPPED_BY_RECORDS.has(stream)
        ? Math.min(small, options.records ?? small)
        : small;
    sizes[stream] = Math.max(0, Math.floor(options.streamSizes?.[stream] ?? fallback));
  }
  return sizes;
}

/** One stream's live state. Ordinals 0..seeded-1 are generated; later ones were inserted. */
export class StreamState {
  /** Records that differ from what the generator gives (updates) or that it never gave (inserts). */
  readonly overlay = new Map<number, SeiRecord>();
  /** 1 = deleted. Grows with inserts. */
  deleted: Uint8Array;
  deletedCount = 0;
  /** Ordinals in use (seeded + inserted). */
  size: number;
  /** Bumped by every mutation; query caches are keyed by it. */
  version = 0;
  /** Which ordinals each version touched, so cached columns can be patched instead of rebuilt. */
  readonly changes: { version: number; ordinals: number[] }[] = [];
  readonly #json = new Map<number, Buffer>();
  static readonly JSON_CACHE_LIMIT = 20_000;
  /**
   * The daily snapshot every record is served from (`generator.snapshotField`, epoch seconds): SEI
   * lists Jira issues and work items from each integration's latest snapshot.
   */
  snapshot: number;
  /** Odd records carry the day before's snapshot, for good (the `mixedSnapshots` quirk). */
  #mixedSnapshots = false;

  constructor(
    readonly generator: StreamGenerator,
    readonly seeded: number,
    readonly endSeconds: number,
  ) {
    this.size = seeded;
    this.deleted = new Uint8Array(Math.max(16, seeded));
    this.snapshot = midnightUtcSeconds(endSeconds);
  }

  get liveCount(): number {
    return this.size - this.deletedCount;
  }

  isLive(ordinal: number): boolean {
    return ordinal < this.size && this.deleted[ordinal] === 0;
  }

  record(ordinal: number): SeiRecord {
    const record = this.overlay.get(ordinal) ?? this.generator.generate(ordinal, this.endSeconds);
    const field = this.generator.snapshotField;
    const snapshot = this.#snapshotOf(ordinal);
    if (field === undefined || record[field] === snapshot) return record;
    return { ...record, [field]: snapshot };
  }

  #snapshotOf(ordinal: number): number {
    return this.#mixedSnapshots && ordinal % 2 === 1 ? this.snapshot - 86_400 : this.snapshot;
  }

  set mixedSnapshots(mixed: boolean) {
    if (mixed !== this.#mixedSnapshots) this.#json.clear();
    this.#mixedSnapshots = mixed;
  }

  /** Serves every record from a new daily snapshot from now on. */
  switchSnapshot(snapshot: number): void {
    this.snapshot = snapshot;
    this.#json.clear();
  }

  /**
   * The record as UTF-8 JSON, cached (the cache is cleared when full) since pages are often asked
   * twice. Bytes, not strings: a page is then one memcpy of its records, and one record with a
   * non-Latin-1 name no longer turns the whole page into a slow two-byte string.
   */
  json(ordinal: number): Buffer {
    let bytes = this.#json.get(ordinal);
    if (bytes === undefined) {
      bytes = Buffer.from(JSON.stringify(this.record(ordinal)));
      if (this.#json.size >= StreamState.JSON_CACHE_LIMIT) this.#json.clear();
      this.#json.set(ordinal, bytes);
    }
    return bytes;
  }

  /** A top-level field of a live record, without building it when the generator has a fast path. */
  field(ordinal: number, name: string): unknown {
    if (name === this.generator.snapshotField) return this.#snapshotOf(ordinal);
    const overlaid = this.overlay.get(ordinal);
    if (overlaid) return overlaid[name];
    const fast = this.generator.fastFields[name];
    if (fast) {
      const value = fast(ordinal);
      return typeof value === 'number' && Number.isNaN(value) ? undefined : value;
    }
    return this.generator.generate(ordinal, this.endSeconds)[name];
  }

  setRecord(ordinal: number, record: SeiRecord): void {
    this.overlay.set(ordinal, record);
    this.#json.delete(ordinal);
  }

  markDeleted(ordinal: number): void {
    if (this.deleted[ordinal] === 0) {
      this.deleted[ordinal] = 1;
      this.deletedCount++;
    }
    this.overlay.delete(ordinal);
    this.#json.delete(ordinal);
  }

  recordChange(ordinals: number[]): void {
    this.version++;
    this.changes.push({ version: this.version, ordinals });
  }

  allocate(): number {
    if (this.size >= this.deleted.length) {
      const grown = new Uint8Array(this.deleted.length * 2);
      grown.set(this.deleted);
      this.deleted = grown;
    }
    return this.size++;
  }
}

export class Dataset implements SimulatorDataset {
  readonly sizes: Record<StreamName, number>;
  readonly universe: Universe;
  readonly endSeconds: number;
  readonly #streams = new Map<StreamName, StreamState>();
  readonly #mutationRng: Rng;
  readonly #nowMs: () => number;

  constructor(readonly options: DatasetOptions) {
    this.sizes = resolveStreamSizes(options);
    this.endSeconds = options.endSeconds ?? DEFAULT_DATASET_END_SECONDS;
    this.#nowMs = options.nowMs ?? Date.now;
    this.#mutationRng = new Rng(options.seed ^ (STREAM_TAGS.mutations * 0x9e3779b1));
    this.universe = new Universe(options.seed, {
      integrations: this.sizes.integrations,
      orgUsers: this.sizes.org_users,
      orgUnits: this.sizes.org_units,
      categories: this.sizes.collection_categories,
    });
    const ctx: GeneratorContext = {
      seed: options.seed,
      subSecondCursors: options.subSecondCursors ?? true,
      universe: this.universe,
      endSeconds: this.endSeconds,
      sizes: this.sizes,
    };
    const generators: Record<StreamName, StreamGenerator> = {
      integrations: integrationsGenerator(ctx),
      jira_issues: jiraIssuesGenerator(ctx),
      workitems: workitemsGenerator(ctx),
      scm_pull_requests: scmPullRequestsGenerator(ctx),
      scm_commits: scmCommitsGenerator(ctx),
      cicd_job_runs: cicdJobRunsGenerator(ctx),
      org_users: orgUsersGenerator(ctx),
      org_units: orgUnitsGenerator(ctx),
      collection_categories: collectionCategoriesGenerator(ctx),
      jira_sprints: jiraSprintsGenerator(ctx),
      jira_fields: jiraFieldsGenerator(ctx),
      jira_projects: jiraProjectsGenerator(ctx),
      workitem_sprints: workitemSprintsGenerator(ctx),
      user_identities: userIdentitiesGenerator(ctx),
      scm_issues: scmIssuesGenerator(ctx),
      cicd_job_run_tests: cicdJobRunTestsGenerator(ctx),
      cicd_instances: cicdInstancesGenerator(ctx),
      cicd_jobs: cicdJobsGenerator(ctx),
      pagerduty_incidents: pagerdutyIncidentsGenerator(ctx),
      pagerduty_alerts: pagerdutyAlertsGenerator(ctx),
      products: productsGenerator(ctx),
      workflow_profiles: workflowProfilesGenerator(ctx),
    };
    const hostile = { seed: options.seed, fraction: options.hostile ?? 0 };
    for (const stream of STREAM_NAMES) {
      const generator = withHostileRecords(generators[stream], hostile);
      this.#streams.set(stream, new StreamState(generator, this.sizes[stream], this.endSeconds));
    }
  }

  state(stream: StreamName): StreamState {
    const state = this.#streams.get(stream);
    if (!state) throw new Error(`unknown stream ${stream}`);
    return state;
  }

  /** Live records in ordinal order (seeded first, then inserted). */
  records(stream: StreamName): SeiRecord[] {
    const state = this.state(stream);
    const out: SeiRecord[] = [];
    for (let o = 0; o < state.size; o++) if (state.deleted[o] === 0) out.push(state.record(o));
    return out;
  }

  count(stream: StreamName): number {
    return this.state(stream).liveCount;
  }

  /** The natural key of a record of `stream`, as `mutate` reports it. */
  keyOf(stream: StreamName, record: SeiRecord): string {
    return this.state(stream).generator.key(record);
  }

  mutate(
    stream: StreamName,
    mutation: DatasetMutation,
    atMs: number = this.#nowMs(),
  ): { inserted: string[]; updated: string[]; deleted: string[] } {
    const state = this.state(stream);
    const generator = state.generator;
    const rng = this.#mutationRng;
    const nowMs = atMs;
    const result = { inserted: [] as string[], updated: [] as string[], deleted: [] as string[] };
    const touched = new Set<number>();
    const pickLive = (): number | undefined => {
      if (state.liveCount - touched.size <= 0) return undefined;
      for (let attempt = 0; attempt < 1000; attempt++) {
        const o = rng.int(state.size);
        if (state.isLive(o) && !touched.has(o)) return o;
      }
      for (let o = 0; o < state.size; o++) if (state.isLive(o) && !touched.has(o)) return o;
      return undefined;
    };

    for (let k = 0; k < (mutation.update ?? 0); k++) {
      const o = pickLive();
      if (o === undefined) break;
      touched.add(o);
      const record = generator.update(state.record(o), rng, nowMs);
      state.setRecord(o, record);
      result.updated.push(generator.key(record));
    }
    for (let k = 0; k < (mutation.delete ?? 0); k++) {
      const o = pickLive();
      if (o === undefined) break;
      touched.add(o);
      result.deleted.push(generator.key(state.record(o)));
      state.markDeleted(o);
    }
    for (let k = 0; k < (mutation.lateInsert ?? 0); k++) {
      if (!generator.ingestedLate) break;
      const o = state.allocate();
      const record = generator.ingestedLate(o, rng, nowMs);
      state.setRecord(o, record);
      touched.add(o);
      result.inserted.push(generator.key(record));
    }
    for (let k = 0; k < (mutation.insert ?? 0); k++) {
      const o = state.allocate();
      const fresh = generator.generate(o, Math.floor(nowMs / 1000));
      // Inserted records are new: their updated-at is now, so an incremental walk picks them up.
      const bump = generator.updatedAt;
      const record =
        bump && fresh[bump.field] !== undefined
          ? { ...fresh, [bump.field]: bump.unit === 's' ? Math.floor(nowMs / 1000) : nowMs }
          : fresh;
      state.setRecord(o, record);
      touched.add(o);
      result.inserted.push(generator.key(record));
    }
    if (touched.size > 0) state.recordChange([...touched]);
    return result;
  }

  /**
   * A new daily snapshot of a Jira-like stream becomes the latest: every record now carries its
   * `ingested_at`; `updated` records changed in the source since the last one (their updated-at lies
   * in the last day, before the walks now running began) and `deleted` ones are no longer listed
   * (SEI does not tombstone them). Returns the keys touched, like `mutate`.
   */
  switchSnapshot(
    stream: StreamName,
    change: { update?: number; delete?: number } = {},
  ): { inserted: string[]; updated: string[]; deleted: string[] } {
    const state = this.state(stream);
    const nowMs = this.#nowMs();
    // Updates dated 10 minutes to a day ago: behind a walk that started after the snapshot was taken.
    const before = nowMs - 600_000 - Math.floor(this.#mutationRng.next() * 86_400_000);
    const result = this.mutate(stream, { update: change.update ?? 0, delete: change.delete ?? 0 }, before);
    state.switchSnapshot(midnightUtcSeconds(Math.floor(nowMs / 1000)) + 86_400);
    state.recordChange([]);
    return result;
  }
}
