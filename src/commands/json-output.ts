/**
 * The machine-readable output of `--json`: the shape of every document, in one place, and the few
 * helpers that write it. README "Machine-readable output" documents these types with an example each.
 *
 * Contract (what an orchestrator may rely on):
 * - exactly one JSON document on stdout, followed by a newline, whatever happens (a command that
 *   fails before it has a result prints an {@link ErrorDocument}); log lines stay on stderr;
 * - `schema` is {@link JSON_SCHEMA_VERSION}; it changes only when a field is removed or changes
 *   meaning. Fields may be added within a version, so readers must ignore fields they do not know;
 * - `ok` is true exactly when the exit code is 0 (exit codes are the same as without `--json`);
 * - instants are ISO 8601 strings in UTC, durations are milliseconds (`…Ms`), unknowns are `null`.
 */

import type { JobStateName } from '../../jobs/status.js';
import { codedLine, type ErrorCode, SYNC_ERROR_CODES } from '../errors.js';
import type { ProbeRow } from '../probe/index.js';
import type {
  AnyStreamName,
  DoraSnapshotStream,
  DoraStreamName,
  ListStreamMode,
  StreamName,
} from '../streams/types.js';
import type { RunStatus, StreamCounts, StreamRunResult } from '../sync/index.js';
import type {
  BucketCounts,
  BucketOutcome,
  CountMethod,
  HealSummary,
  KeySample,
  VerifyStatus,
  WithoutValueResult,
} from '../verify/index.js';
import { errorMessage } from './error-message.js';

/** Version of every document shape below. */
export const JSON_SCHEMA_VERSION = 1;

/** Commands that take `--json`. */
export type JsonCommand = 'sync' | 'plan' | 'status' | 'doctor' | 'renormalize' | 'verify' | 'probe';

/** Fields every document starts with. */
export interface DocumentHead<C extends JsonCommand> {
  schema: typeof JSON_SCHEMA_VERSION;
  command: C;
  /** True exactly when the command exits 0. */
  ok: boolean;
  /** Why the command failed as a whole, when one reason says it (else null). */
  error: JsonError | null;
}

export interface JsonError {
  /** Stable code, e.g. `SEI_ERR_AUTH`, `SEI_SYNC_ERR_SCHEMA_MISSING`, `SEI_SYNC_ERR_CONFIG` (docs/json-output.md). */
  code: ErrorCode;
  /** One line, never containing the API key. */
  message: string;
}

/** A command that stopped before it had a result (bad configuration, database not migrated, ...). */
export interface ErrorDocument<C extends JsonCommand = JsonCommand> extends DocumentHead<C> {
  ok: false;
  error: JsonError;
}

/** Every count of one stream run (src/sync/types.ts `StreamCounts`); counts may be added. */
export type JsonStreamCounts = StreamCounts;

/** One stream of a run (`sync`, `renormalize`). */
export interface StreamResultJson {
  stream: AnyStreamName;
  status: StreamRunResult['status'];
  /** Null when the stream did not run. */
  durationMs: number | null;
  counts: JsonStreamCounts | null;
  /** Why a failed stream failed; `retryable` false means running it again will not help. */
  error: (JsonError & { retryable: boolean }) | null;
  /** Why a stream did not run. */
  reason: string | null;
  /** What the counts do not say: an empty list (a tool the tenant does not use), derived rows. */
  note: string | null;
  /**
   * A succeeded stream that proves less than a walk (`degraded`: what the server did, what was read
   * instead) or whose list this SEI does not serve (`unavailable`); null otherwise.
   */
  condition: { kind: 'degraded' | 'unavailable'; reason: string } | null;
}

/** A run recorded in `sei_sync.runs`. */
export interface RunJson {
  id: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Where the data went, without credentials. */
  database: string;
}

/** `sei-sync sync --json`. */
export interface SyncDocument extends DocumentHead<'sync'> {
  run: RunJson & { fullRefresh: boolean; recordsPerSecond: number };
  streams: StreamResultJson[];
}

/** `sei-sync renormalize --json`: `counts.records` rows read, `counts.updated` rows re-derived. */
export interface RenormalizeDocument extends DocumentHead<'renormalize'> {
  run: RunJson;
  streams: StreamResultJson[];
}

/** One stream of `plan`: an estimate of a full walk from page 0. */
export interface StreamPlanJson {
  stream: StreamName | DoraStreamName;
  mode: ListStreamMode | DoraSnapshotStream['mode'];
  /** The server's total, or null when it gives none we can trust (then see `recordsAtLeast`). */
  records: number | null;
  /** Records on page 0: a lower bound when `records` is null. */
  recordsAtLeast: number;
  /** Time slices a full walk would be cut into (1 for lists). */
  slices: number;
  pages: number | null;
  requests: number | null;
  minutes: number | null;
  /** What the numbers do not say: an empty list, an endpoint known to fail (rows derived instead). */
  note: string | null;
}

/** `sei-sync plan --json`. */
export interface PlanDocument extends DocumentHead<'plan'> {
  requestsPerMinute: number;
  scope: ScopeJson;
  streams: StreamPlanJson[];
  /** Streams with an unknown size count as 0 here (retries are never counted). */
  total: { requests: number; minutes: number };
}

/** One stream of `status`. */
export interface StreamStatusJson {
  stream: StreamName | DoraStreamName;
  mode: ListStreamMode | DoraSnapshotStream['mode'];
  /**
   * The newest sync of the stream (renormalize runs are not syncs). `interrupted`: stopped by a signal,
   * or its process is gone (killed); the next sync resumes it.
   */
  lastRun: {
    runId: string;
    status: 'running' | 'succeeded' | 'failed' | 'not_run' | 'interrupted';
    startedAt: string;
    finishedAt: string | null;
    error: string | null;
    /** A succeeded run that proved less than a walk (`degraded`) or whose list is not served (`unavailable`). */
    condition: { kind: 'degraded' | 'unavailable'; reason: string } | null;
  } | null;
  /** Freshness: when a sync of the stream last succeeded. */
  lastSuccessAt: string | null;
  /** Incremental cursor: everything updated before it has been walked. */
  cursor: string | null;
  /** The walk in progress (its slices resume where their committed pages left off), or null. */
  walkInProgress: { slicesDone: number; slices: number; read: number } | null;
  rows: { live: number; deleted: number };
  /** A renormalize of the stream that was interrupted and resumes after this key. */
  renormalizeResumesAfter: string[] | null;
  /** The newest verify of the stream (null when never verified). */
  lastVerify: {
    runId: string;
    at: string;
    status: VerifyStatus;
    /** Buckets still differing after that verify (and its heal, if it healed). */
    differing: number;
    healed: number;
    /** When a verify of the stream last came out clean. */
    lastCleanAt: string | null;
  } | null;
}

/** Queue state, when Redis answers (only the worker needs it). */
export type QueuesJson =
  | { reachable: false; reason: string }
  | {
      reachable: true;
      counts: Record<string, Record<JobStateName, number>>;
      activeRuns: {
        runId: string;
        trigger: string;
        fullRefresh: boolean;
        streams: number;
        pendingStreams: number;
        createdAt: string;
      }[];
      schedules: {
        id: string;
        pattern: string | null;
        everyMs: number | null;
        tz: string | null;
        next: string | null;
      }[];
    };

/** `sei-sync status --json`. */
/** What a sync covers (SEI_START_DATE, SEI_INTEGRATION_IDS, or the command's options). */
export interface ScopeJson {
  /** Backfill horizon, ISO instant; null: all history. */
  since: string | null;
  /** Selected integration ids; null: all. */
  integrationIds: string[] | null;
}

export function scopeJson(scope: {
  startDate: Date | undefined;
  integrationIds: readonly string[] | undefined;
}): ScopeJson {
  return {
    since: scope.startDate?.toISOString() ?? null,
    integrationIds: scope.integrationIds ? [...scope.integrationIds] : null,
  };
}

export interface StatusDocument extends DocumentHead<'status'> {
  database: string;
  /** The configured scope (SEI_START_DATE, SEI_INTEGRATION_IDS). */
  scope: ScopeJson;
  streams: StreamStatusJson[];
  queues: QueuesJson;
}

/** One check of `doctor`. */
export interface DoctorCheckJson {
  name: 'config' | 'sei' | 'probe' | 'sei_v2' | 'database' | 'redis';
  ok: boolean;
  message: string;
}

/** `sei-sync doctor --json`: `ok` is false when any check failed. */
export interface DoctorDocument extends DocumentHead<'doctor'> {
  checks: DoctorCheckJson[];
}

/**
 * `sei-sync probe --json`: one row per assumption checked (src/probe/types.ts `ProbeRow`), and the
 * requests it took. `ok` is false only when SEI refused the configured key.
 */
export interface ProbeDocument extends DocumentHead<'probe'> {
  rows: ProbeRow[];
  requests: number;
  retries: number;
  /** The most requests these checks send without retries, stated before the run. */
  maxRequests: number;
  requestsPerMinute: number;
}

/** One bucket of `verify`: `[from, to)` as ISO instants (null for a whole list). */
export interface VerifyBucketJson extends BucketCounts {
  from: string | null;
  to: string | null;
  method: CountMethod;
  outcome: BucketOutcome;
  /** The counts before a heal changed them. */
  before: BucketCounts | null;
  /** Keys each side holds alone (for buckets still differing, the largest differences). */
  sample: KeySample | null;
}

/** One stream of `verify`. */
export interface StreamVerifyJson {
  stream: StreamName;
  mode: 'incremental' | 'full_refresh';
  status: VerifyStatus;
  method: CountMethod;
  /** The field buckets are cut by; null for whole lists. */
  field: string | null;
  /** The range compared, up to the stream's cursor (null for whole lists and skipped streams). */
  from: string | null;
  to: string | null;
  counts: { buckets: number; equal: number; differing: number; healed: number };
  buckets: VerifyBucketJson[];
  /**
   * Records without a value in `field` (CI/CD runs still running): in no bucket, counted apart; an
   * outcome `not_readable_by_time` is not a difference. Null for whole lists and skipped streams.
   */
  withoutValue: WithoutValueResult | null;
  requests: number;
  heal: HealSummary | null;
  notes: string[];
  error: JsonError | null;
}

/** `sei-sync verify [--heal] --json`: `ok` is true when every stream verified clean (or had nothing to compare). */
export interface VerifyDocument extends DocumentHead<'verify'> {
  mode: 'verify' | 'heal';
  runId: string;
  database: string;
  requestsPerMinute: number;
  streams: StreamVerifyJson[];
  total: {
    buckets: number;
    equal: number;
    differing: number;
    healed: number;
    requests: number;
    minutes: number;
  };
}

/** One stream of `verify --plan`. */
export interface StreamVerifyPlanJson {
  stream: StreamName;
  mode: 'incremental' | 'full_refresh';
  method: CountMethod;
  records: number | null;
  buckets: number;
  requests: number;
  minutes: number;
  note: string | null;
}

/** `sei-sync verify --plan --json`: the cost of a verify, before making it. */
export interface VerifyPlanDocument extends DocumentHead<'verify'> {
  mode: 'plan';
  requestsPerMinute: number;
  streams: StreamVerifyPlanJson[];
  total: { requests: number; minutes: number };
}

export type JsonDocument =
  | SyncDocument
  | RenormalizeDocument
  | PlanDocument
  | StatusDocument
  | DoctorDocument
  | VerifyDocument
  | VerifyPlanDocument
  | ProbeDocument
  | ErrorDocument;

/** The option, the same on every command: `.option(JSON_FLAG, JSON_OPTION_HELP)`. */
export const JSON_FLAG = '--json';
export const JSON_OPTION_HELP =
  'print one JSON document on stdout (versioned shape, see README); logs stay on stderr';

/** The head of a document: `ok` and `error` as the command's outcome says. */
export function documentHead<C extends JsonCommand>(
  command: C,
  ok: boolean,
  error: JsonError | null = null,
): DocumentHead<C> {
  return { schema: JSON_SCHEMA_VERSION, command, ok, error };
}

/** The code of any error: its stable `code` when it has one; a foreign code is named in the message. */
export function jsonError(error: unknown): JsonError {
  return codedLine(error, SYNC_ERROR_CODES.command, errorMessage(error));
}

export function errorDocument<C extends JsonCommand>(command: C, error: unknown): ErrorDocument<C> {
  return { ...documentHead(command, false), ok: false, error: jsonError(error) };
}

/** The whole of stdout under `--json`. */
export function writeJsonDocument(document: JsonDocument): void {
  process.stdout.write(`${JSON.stringify(document)}\n`);
}

/** The exit code a document stands for. */
export function exitCodeOf(document: JsonDocument): number {
  return document.ok ? 0 : 1;
}

/** Minutes a number of requests takes at the budget, to one decimal, rounded up. */
export function minutesAt(requests: number, requestsPerMinute: number): number {
  return Math.ceil((requests / requestsPerMinute) * 10) / 10;
}

export function isoOrNull(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

export function streamResultJson(result: StreamRunResult): StreamResultJson {
  if (result.status === 'not_run')
    return {
      stream: result.stream,
      status: result.status,
      durationMs: null,
      counts: null,
      error: null,
      reason: result.reason,
      note: null,
      condition: null,
    };
  return {
    stream: result.stream,
    status: result.status,
    durationMs: result.durationMs,
    counts: { ...result.counts },
    error: result.status === 'failed' ? { ...result.error } : null,
    reason: null,
    note: result.status === 'succeeded' ? (result.note ?? null) : null,
    condition: result.status === 'succeeded' && result.condition ? { ...result.condition } : null,
  };
}
