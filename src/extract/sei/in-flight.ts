/**
 * How many SEI requests one process keeps in flight: the budget's rate times the latency observed
 * (Little's law: to start `rate` requests a second when each takes `latency` seconds, `rate × latency`
 * must be under way), capped by a setting. Fewer leaves budget unused while every request waits on the
 * server; more only queues at the budget and holds pages in memory for nothing.
 *
 * The latency is an exponentially weighted average of successful calls, so the limit follows a server
 * that slows down or speeds up. Counts (one-record requests, or marked `count`) are left out of it
 * and of the slots: a walk's plan sends a few dozen, answered several times faster than a page, and
 * they would talk the limit down just as the pages start; they hold no page, so they have slots of
 * their own (`maxCountsInFlight`), and a plan's round of counts goes out at once even where the
 * pages' limit is small (a process set to two requests in flight would count a round of eight in
 * four round trips).
 * The budget itself still decides when each request may start (shared through Redis by every worker,
 * slowed down by 429s); this limit only sizes the concurrency.
 */
import type { ListCallOptions, ListClient, ListRequestBody, ListResult } from './client.js';
import { IN_FLIGHT_DEFAULTS } from './defaults.js';
import { abortedError } from './errors.js';
import type { SeiRecord } from './types.js';

export interface InFlightLimitOptions {
  /** The request budget's rate. */
  requestsPerMinute: number;
  /** Upper bound of the limit. */
  maxInFlight: number;
  /** Counts in flight at most, beside the pages. @defaultValue IN_FLIGHT_DEFAULTS.maxCountsInFlight */
  maxCountsInFlight?: number;
  /** Assumed before the first answer. @defaultValue 1000 */
  initialLatencyMs?: number;
  /** Weight of each new observation. @defaultValue 0.2 */
  smoothing?: number;
  /** @defaultValue performance.now */
  nowMs?: () => number;
}

export { IN_FLIGHT_DEFAULTS };

/** A margin over Little's law: answers vary, and a request starting late leaves budget unused. */
const HEADROOM = 1.25;

/** A request for one record: a count (its page size key is `page_size` or `pageSize`). */
const isCount = (body: ListRequestBody): boolean => body.page_size === 1 || body.pageSize === 1;

export class InFlightLimit implements ListClient {
  readonly #client: ListClient;
  readonly #ratePerMs: number;
  readonly #max: number;
  readonly #maxCounts: number;
  readonly #smoothing: number;
  readonly #nowMs: () => number;
  #latencyMs: number;
  #inFlight = 0;
  #countsInFlight = 0;
  /** Most pages (requests other than counts) seen in flight at once (for tests and benchmarks). */
  peak = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(client: ListClient, options: InFlightLimitOptions) {
    if (!(options.maxInFlight >= 1)) throw new RangeError('maxInFlight must be at least 1');
    this.#client = client;
    this.#ratePerMs = options.requestsPerMinute / 60_000;
    this.#max = Math.floor(options.maxInFlight);
    this.#maxCounts = Math.max(
      1,
      Math.floor(options.maxCountsInFlight ?? IN_FLIGHT_DEFAULTS.maxCountsInFlight),
    );
    this.#smoothing = options.smoothing ?? IN_FLIGHT_DEFAULTS.smoothing;
    this.#nowMs = options.nowMs ?? (() => performance.now());
    this.#latencyMs = options.initialLatencyMs ?? IN_FLIGHT_DEFAULTS.initialLatencyMs;
  }

  /** Requests allowed in flight now. */
  get limit(): number {
    return Math.max(1, Math.min(this.#max, Math.ceil(this.#ratePerMs * this.#latencyMs * HEADROOM)));
  }

  get latencyMs(): number {
    return this.#latencyMs;
  }

  async list<R = SeiRecord>(
    path: string,
    body: ListRequestBody,
    options?: ListCallOptions,
  ): Promise<ListResult<R>> {
    const count = options?.count === true || isCount(body);
    await this.#acquire(count, options?.signal, () =>
      abortedError({ method: 'POST', path, page: body.page }),
    );
    const started = this.#nowMs();
    try {
      const result = await this.#client.list<R>(path, body, options);
      // One attempt measures the server; a retried call's time is mostly backoff. An answer that
      // waited for a place to be parsed (a write-bound walk) did not wait for the server meanwhile.
      if (result.attempts === 1 && !count) this.#observe(this.#nowMs() - started - (result.parseWaitMs ?? 0));
      return result;
    } finally {
      if (count) this.#countsInFlight--;
      else this.#inFlight--;
      this.#wakeNext();
    }
  }

  #observe(latencyMs: number): void {
    this.#latencyMs += this.#smoothing * (latencyMs - this.#latencyMs);
  }

  async #acquire(count: boolean, signal: AbortSignal | undefined, aborted: () => Error): Promise<void> {
    const full = () => (count ? this.#countsInFlight >= this.#maxCounts : this.#inFlight >= this.limit);
    while (full()) {
      if (signal?.aborted) throw aborted();
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.#waiting.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
    if (signal?.aborted) throw aborted();
    if (count) {
      this.#countsInFlight++;
      return;
    }
    this.#inFlight++;
    this.peak = Math.max(this.peak, this.#inFlight);
  }

  #wakeNext(): void {
    // Wake everyone: the limit may have grown by more than one; those that do not fit wait again.
    const waiting = this.#waiting.splice(0);
    for (const wake of waiting) wake();
  }
}
