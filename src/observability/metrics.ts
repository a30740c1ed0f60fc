/**
 * Prometheus metrics of a worker process, on their own registry (no module singleton: tests and two
 * workers in one process each get theirs).
 *
 * Who records what: the `sync-stream` processor counts pages live (from the engine's onProgress) and,
 * when the stream job ends, everything else from the StreamRunResult counts (requests, retries, 429s,
 * rows by outcome), plus the freshness gauge and the job durations. The engine need not touch them.
 * BullMQ's own queue metrics (job counts per state, completed and failed totals) are read from Redis
 * at scrape time.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { StreamCondition, StreamRunResult } from '../state/run-types.js';
import { BUCKET_OUTCOMES, outcomeCounts, type StreamVerifyResult } from '../verify/types.js';
import { mergeExpositions } from './exposition.js';

/**
 * What /metrics needs from a BullMQ Queue: BullMQ's own Prometheus export (job counts per state, and
 * completed/failed totals from the workers' metrics). Structural, so observability does not import jobs.
 */
export interface ExportingQueue {
  readonly name: string;
  exportPrometheusMetrics(globalVariables?: Record<string, string>): Promise<string>;
}

/** Outcomes of `sei_sync_rows_total`; "sanitized" rows were stored after being made storable. */
export const ROW_OUTCOMES = ['inserted', 'updated', 'unchanged', 'deleted', 'rejected', 'sanitized'] as const;
export type RowOutcome = (typeof ROW_OUTCOMES)[number];

export interface SyncMetrics {
  readonly registry: Registry;
  /** HTTP requests sent to SEI, retries included. Labels: stream. */
  readonly requests: Counter<'stream'>;
  /** Requests retried inside the client. Labels: stream. */
  readonly retries: Counter<'stream'>;
  /** 429 answers. Labels: stream. */
  readonly rateLimited: Counter<'stream'>;
  /** Pages committed. Labels: stream. */
  readonly pages: Counter<'stream'>;
  /** Seconds SEI requests waited for the request budget, summed over requests (429 pacing shows here). */
  readonly budgetWaitSeconds: Counter;
  /** Requests per minute the budget lets through now (below the configured rate while 429s pace it). */
  readonly budgetRate: Gauge;
  /** Rows written, by outcome (inserted, updated, unchanged, deleted, rejected, sanitized). Labels: stream, outcome. */
  readonly rows: Counter<'stream' | 'outcome'>;
  /** Stream runs ended, by status (succeeded, failed, not_run). Labels: stream, status. */
  readonly streamRuns: Counter<'stream' | 'status'>;
  /** Succeeded stream runs that proved less than a walk (`degraded`) or whose list is not served (`unavailable`). */
  readonly streamConditions: Counter<'stream' | 'condition'>;
  /** Unix time (s) of the last successful run of each stream: alert on `time() - this`. Labels: stream. */
  readonly lastSuccess: Gauge<'stream'>;
  /** Duration of processed jobs. Labels: queue, name, outcome (completed, failed, delayed). */
  readonly jobDuration: Histogram<'queue' | 'name' | 'outcome'>;
  /** Runs finished, by status. Labels: status. */
  readonly runs: Counter<'status'>;
  /** Buckets of the last verify of each stream, by outcome (equal, differs, healed). Labels: stream, outcome. */
  readonly verifyBuckets: Gauge<'stream' | 'outcome'>;
  /** Unix time (s) of the last verify of each stream that came out clean. Labels: stream. */
  readonly verifyLastClean: Gauge<'stream'>;
  /** Records what a verify found (streams that could not be compared, or failed, are left as they were). */
  recordVerify(result: Pick<StreamVerifyResult, 'stream' | 'status' | 'buckets'>, at?: Date): void;
  /** Records the counts of a finished stream job; `pagesCounted` pages were already counted live. */
  recordStreamResult(result: StreamRunResult, pagesCounted: number): void;
  /** Adds BullMQ's own metrics of these queues to every scrape (read from Redis at scrape time). */
  observeQueues(queues: readonly ExportingQueue[]): void;
  /** The Prometheus text of one scrape: this registry plus BullMQ's metrics of the observed queues. */
  scrape(): Promise<string>;
}

export interface MetricsOptions {
  /** Also export Node.js process metrics (event loop lag, heap, GC). @defaultValue true */
  processMetrics?: boolean;
  /**
   * Streams whose counters are exported at 0 from the first scrape. A counter series that first
   * appears at 1 hides its first increment from `increase()`, so the alert rules would miss a
   * stream's first failure, reject or 429. @defaultValue none
   */
  streams?: readonly string[];
}

/** Statuses of finished runs and stream runs (the label values `runs` and `streamRuns` take). */
const RUN_STATUSES = ['succeeded', 'partial', 'failed', 'interrupted'] as const;
const STREAM_RUN_STATUSES = ['succeeded', 'failed', 'not_run'] as const;
const STREAM_CONDITIONS = ['degraded', 'unavailable'] as const satisfies readonly StreamCondition['kind'][];

export function createMetrics(options: MetricsOptions = {}): SyncMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'sei_sync_' });
  const registers = [registry];
  const requests = new Counter({
    name: 'sei_sync_requests_total',
    help: 'SEI requests sent, retries included',
    labelNames: ['stream'],
    registers,
  });
  const retries = new Counter({
    name: 'sei_sync_request_retries_total',
    help: 'SEI requests retried',
    labelNames: ['stream'],
    registers,
  });
  const rateLimited = new Counter({
    name: 'sei_sync_rate_limited_total',
    help: 'SEI 429 answers',
    labelNames: ['stream'],
    registers,
  });
  const budgetWaitSeconds = new Counter({
    name: 'sei_sync_budget_wait_seconds_total',
    help: 'Seconds SEI requests waited for the request budget, summed over requests',
    registers,
  });
  const budgetRate = new Gauge({
    name: 'sei_sync_budget_requests_per_minute',
    help: 'SEI requests per minute the request budget allows now (lowered by 429s)',
    registers,
  });
  const pages = new Counter({
    name: 'sei_sync_pages_total',
    help: 'Pages committed',
    labelNames: ['stream'],
    registers,
  });
  const rows = new Counter({
    name: 'sei_sync_rows_total',
    help: 'Rows by outcome',
    labelNames: ['stream', 'outcome'],
    registers,
  });
  const streamRuns = new Counter({
    name: 'sei_sync_stream_runs_total',
    help: 'Stream runs by status',
    labelNames: ['stream', 'status'],
    registers,
  });
  const streamConditions = new Counter({
    name: 'sei_sync_stream_conditions_total',
    help: 'Succeeded stream runs that were degraded (read by a slower path that proves less) or unavailable (list not served by this SEI)',
    labelNames: ['stream', 'condition'],
    registers,
  });
  const lastSuccess = new Gauge({
    name: 'sei_sync_stream_last_success_timestamp_seconds',
    help: 'Unix time of the last successful run of the stream (freshness)',
    labelNames: ['stream'],
    registers,
  });
  const jobDuration = new Histogram({
    name: 'sei_sync_job_duration_seconds',
    help: 'Duration of processed BullMQ jobs',
    labelNames: ['queue', 'name', 'outcome'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600],
    registers,
  });
  const runs = new Counter({
    name: 'sei_sync_runs_total',
    help: 'Runs finished by status',
    labelNames: ['status'],
    registers,
  });

  const verifyBuckets = new Gauge({
    name: 'sei_sync_verify_buckets',
    help: 'Buckets of the last verify of the stream by outcome (equal, differs, healed)',
    labelNames: ['stream', 'outcome'],
    registers,
  });
  const verifyLastClean = new Gauge({
    name: 'sei_sync_verify_last_clean_timestamp_seconds',
    help: 'Unix time of the last verify of the stream that found the warehouse equal to the server counts',
    labelNames: ['stream'],
    registers,
  });

  for (const status of RUN_STATUSES) runs.inc({ status }, 0);
  for (const stream of options.streams ?? []) {
    for (const counter of [requests, retries, rateLimited, pages]) counter.inc({ stream }, 0);
    for (const outcome of ROW_OUTCOMES) rows.inc({ stream, outcome }, 0);
    for (const status of STREAM_RUN_STATUSES) streamRuns.inc({ stream, status }, 0);
    for (const condition of STREAM_CONDITIONS) streamConditions.inc({ stream, condition }, 0);
  }

  const observed: ExportingQueue[] = [];

  return {
    registry,
    requests,
    retries,
    rateLimited,
    budgetWaitSeconds,
    budgetRate,
    pages,
    rows,
    streamRuns,
    streamConditions,
    lastSuccess,
    jobDuration,
    runs,
    verifyBuckets,
    verifyLastClean,
    recordVerify(result, at = new Date()) {
      if (result.status !== 'clean' && result.status !== 'differs') return;
      const counts = outcomeCounts(result.buckets);
      for (const outcome of BUCKET_OUTCOMES)
        verifyBuckets.set({ stream: result.stream, outcome }, counts[outcome]);
      if (result.status === 'clean') verifyLastClean.set({ stream: result.stream }, at.getTime() / 1000);
    },
    recordStreamResult(result, pagesCounted) {
      const stream = result.stream;
      streamRuns.inc({ stream, status: result.status });
      if (result.status === 'not_run') return;
      if (result.status === 'succeeded' && result.condition)
        streamConditions.inc({ stream, condition: result.condition.kind });
      const { counts } = result;
      if (counts.pages > pagesCounted) pages.inc({ stream }, counts.pages - pagesCounted);
      requests.inc({ stream }, counts.requests);
      retries.inc({ stream }, counts.retries);
      rateLimited.inc({ stream }, counts.rateLimited);
      // `?? 0`: a result built by an older worker (read back from Redis) may lack a newer count.
      for (const outcome of ROW_OUTCOMES) rows.inc({ stream, outcome }, counts[outcome] ?? 0);
      if (result.status === 'succeeded') lastSuccess.set({ stream }, Date.now() / 1000);
    },
    observeQueues(queues) {
      observed.push(...queues);
    },
    async scrape() {
      const queueTexts = await Promise.all(observed.map((queue) => queue.exportPrometheusMetrics()));
      return mergeExpositions([await registry.metrics(), ...queueTexts]);
    },
  };
}
