/**
 * An in-memory SyncEngine for the BullMQ tests: it records every call, walks a fixed number of fake
 * pages per stream (yielding between them), can fail chosen streams, and notes any moment where one
 * stream runs twice at once (the property the jobs must guarantee).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ErrorCode } from '../../../src/errors.js';
import type { AnyStreamName } from '../../../src/streams/types.js';
import type {
  RunStatus,
  SliceOutcome,
  StartRunRequest,
  StreamCounts,
  StreamRunResult,
  StreamStep,
  SyncEngine,
  SyncStreamRequest,
  VerifyStreamRequest,
} from '../../../src/sync/types.js';
import type { VerifyPlan } from '../../../src/verify/plan.js';
import type { StreamVerifyResult } from '../../../src/verify/types.js';

/** A stream fails this many attempts (`times`, default Infinity), then succeeds. */
export type Failure = { times?: number } & (
  | { code: ErrorCode; retryable: boolean }
  /** Throws an error whose message starts with this (as a lost database connection does). */
  | { throws: string }
);

export interface MemoryEngineOptions {
  pages?: number;
  /** Pause per page, so that runs overlap. @defaultValue 5 */
  pageDelayMs?: number;
  failures?: Partial<Record<AnyStreamName, Failure>>;
  /** Streams whose verify finds one bucket differing, heal or not (the others verify clean). */
  differing?: readonly AnyStreamName[];
}

export function counts(pages: number): StreamCounts {
  return {
    pages,
    records: pages * 10,
    inserted: pages * 10,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    rejected: 0,
    sanitized: 0,
    requests: pages,
    retries: 0,
    rateLimited: 0,
  };
}

export class MemoryEngine implements SyncEngine {
  readonly started: StartRunRequest[] = [];
  readonly calls: SyncStreamRequest[] = [];
  readonly verifies: VerifyStreamRequest[] = [];
  readonly finished = new Map<string, { results: readonly StreamRunResult[]; status: RunStatus }>();
  readonly overlaps: string[] = [];
  /** Resolves the first time a page of any stream starts (for shutdown tests). */
  readonly firstPage: Promise<void>;
  readonly aborted: AnyStreamName[] = [];
  readonly #running = new Set<AnyStreamName>();
  readonly #attempts = new Map<string, number>();
  #onFirstPage: () => void = () => {};
  closed = false;

  constructor(readonly options: MemoryEngineOptions = {}) {
    this.firstPage = new Promise((resolve) => {
      this.#onFirstPage = resolve;
    });
  }

  async startRun(request: StartRunRequest): Promise<string> {
    this.started.push(request);
    return request.runId ?? 'no-run-id';
  }

  async syncStream(request: SyncStreamRequest): Promise<StreamRunResult> {
    const { stream, runId, signal } = request;
    this.calls.push(request);
    if (this.#running.has(stream)) this.overlaps.push(`${stream} in ${runId}`);
    this.#running.add(stream);
    try {
      const attemptKey = `${runId}/${stream}`;
      const attempt = (this.#attempts.get(attemptKey) ?? 0) + 1;
      this.#attempts.set(attemptKey, attempt);
      const pages = this.options.pages ?? 3;
      for (let page = 1; page <= pages; page++) {
        this.#onFirstPage();
        await sleep(this.options.pageDelayMs ?? 5);
        if (signal?.aborted) {
          this.aborted.push(stream);
          return {
            stream,
            status: 'failed',
            counts: counts(page),
            durationMs: 1,
            error: { code: 'SEI_ERR_ABORTED', message: 'stopped', retryable: true },
          };
        }
        request.onProgress?.({ stream, pages: page, records: page * 10, estimatedPages: pages });
      }
      const failure = this.options.failures?.[stream];
      if (failure && attempt <= (failure.times ?? Number.POSITIVE_INFINITY)) {
        if ('throws' in failure) throw new Error(`${failure.throws}: connection terminated unexpectedly`);
        return {
          stream,
          status: 'failed',
          counts: counts(pages),
          durationMs: 1,
          error: {
            code: failure.code,
            message: `${stream} broke on attempt ${attempt}`,
            retryable: failure.retryable,
          },
        };
      }
      return { stream, status: 'succeeded', counts: counts(pages), durationMs: 1 };
    } finally {
      this.#running.delete(stream);
    }
  }

  attempts(runId: string, stream: AnyStreamName): number {
    return this.#attempts.get(`${runId}/${stream}`) ?? 0;
  }

  /** A walk without slices: the whole stream in the first step (the jobs' step protocol is tested with the real engine). */
  async beginStream(request: SyncStreamRequest): Promise<StreamStep> {
    return { kind: 'done', result: await this.syncStream(request) };
  }

  async walkSlice(): Promise<SliceOutcome> {
    return { status: 'done' };
  }

  async finishStream(request: SyncStreamRequest): Promise<StreamStep> {
    return this.beginStream(request);
  }

  /** One month bucket per stream: equal, or differing for the streams in `differing`. */
  async verifyStream(request: VerifyStreamRequest): Promise<StreamVerifyResult> {
    this.verifies.push(request);
    const outcome = this.options.differing?.includes(request.stream) ? 'differs' : 'equal';
    return {
      stream: request.stream,
      mode: 'incremental',
      status: outcome === 'differs' ? 'differs' : 'clean',
      method: 'total_count',
      field: 'updated_at',
      range: { from: 1_704_067_200, to: 1_706_745_600 },
      withoutValue: null,
      buckets: [
        {
          range: { from: 1_704_067_200, to: 1_706_745_600 },
          method: 'total_count',
          server: 10,
          warehouse: outcome === 'differs' ? 9 : 10,
          moved: 0,
          outcome,
          before: null,
          sample: null,
        },
      ],
      requests: 2,
      heal: null,
      notes: [],
      error: null,
    };
  }

  async planVerify(request: Pick<VerifyStreamRequest, 'stream'>): Promise<VerifyPlan> {
    return {
      stream: request.stream,
      mode: 'incremental',
      method: 'total_count',
      records: 10,
      buckets: 1,
      requests: 2,
      note: null,
    };
  }

  async finishRun(runId: string, results: readonly StreamRunResult[]): Promise<RunStatus> {
    const failed = results.filter((r) => r.status !== 'succeeded').length;
    const status: RunStatus = failed === 0 ? 'succeeded' : failed === results.length ? 'failed' : 'partial';
    this.finished.set(runId, { results, status });
    return status;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Polls `predicate` until true (or throws after `timeoutMs`). */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
