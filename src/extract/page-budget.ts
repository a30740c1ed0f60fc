/**
 * The pages one process holds at once, fetched and not yet committed, across every slice and stream
 * (issue 24: memory bounded for the whole process, not per slice). A walk takes a lease before it
 * sends a request and gives it back when the page's commit ends, or when the answer is dropped (a
 * failed request, an abort, an answer the walk reads again bigger): a page in hand is its response
 * body, its parsed records, its normalized rows and its COPY buffer, several megabytes for 1,000 Jira
 * issues, and the old per-slice bound (in-flight cap × pages per slice) let some 50 of them pile up.
 *
 * Counted in pages of the configured page size, not in bytes: the bytes are known only once the answer
 * is in, too late to decide whether to send the request. A request for a larger page (one instant
 * read on its own) weighs as many pages as it asks records, up to the whole budget; a request always
 * fits when nothing else is in hand, so it can still run alone.
 *
 * The pages allowed at a moment may follow what the requests need (`allowedNow`: the in-flight limit
 * of Little's law plus the pages being written): against a fast server few requests are under way and
 * the pages in hand are mostly answers waiting for their write, so fewer suffice; under latency each
 * request in flight holds a place but no memory until its answer arrives.
 *
 * No deadlock: a lease is held only by a request under way or by a page on its way to its commit, and
 * neither needs another lease to get there (a page waiting behind its predecessor waits for a commit,
 * and the predecessor took its lease first). Waiters are served in order, so a heavy request is not
 * overtaken forever by light ones.
 */
import { abortedError } from './sei/errors.js';

/** One page's share of the budget; `release` may be called any number of times, the first counts. */
export interface PageLease {
  release(): void;
}

/** The lease of a walk without a budget (verify's counts, tests). */
export const NO_LEASE: PageLease = { release: () => {} };

interface Waiter {
  weight: number;
  grant: () => void;
}

export class PageBudget {
  /** The most pages ever in hand. */
  readonly capacity: number;
  readonly #allowedNow: () => number;
  #inHand = 0;
  /** Most pages in hand at once (for tests and benchmarks). */
  peak = 0;
  readonly #waiting: Waiter[] = [];

  /**
   * @param pages pages in hand at most, at least 1
   * @param allowedNow pages allowed at this moment, read whenever a request asks (capped at `pages`)
   */
  constructor(pages: number, allowedNow: () => number = () => pages) {
    if (!Number.isInteger(pages) || pages < 1)
      throw new RangeError(`pages must be an integer >= 1, got ${pages}`);
    this.capacity = pages;
    this.#allowedNow = allowedNow;
  }

  /** Pages allowed now. */
  get allowed(): number {
    return Math.max(1, Math.min(this.capacity, this.#allowedNow()));
  }

  /** Pages in hand now. */
  get inHand(): number {
    return this.#inHand;
  }

  /** Requests waiting for a lease. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves once `weight` pages (capped at the capacity) fit; rejects with the abort error of `path`
   * (the request it was for) when `signal` aborts first, holding nothing.
   */
  async acquire(weight: number, signal?: AbortSignal, path?: string): Promise<PageLease> {
    const pages = Math.min(this.capacity, Math.max(1, Math.ceil(weight)));
    const aborted = () => abortedError({ method: 'POST', path });
    if (signal?.aborted) throw aborted();
    if (this.#waiting.length === 0 && this.#fits(pages)) return this.#take(pages);
    return new Promise<PageLease>((resolve, reject) => {
      const waiter: Waiter = {
        weight: pages,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#take(pages));
        },
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(waiter);
        if (index >= 0) this.#waiting.splice(index, 1);
        // The one that left may have held back lighter ones behind it.
        this.#grantWaiting();
        reject(aborted());
      };
      this.#waiting.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #fits(pages: number): boolean {
    return this.#inHand === 0 || this.#inHand + pages <= this.allowed;
  }

  #take(pages: number): PageLease {
    this.#inHand += pages;
    this.peak = Math.max(this.peak, this.#inHand);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.#inHand -= pages;
        this.#grantWaiting();
      },
    };
  }

  #grantWaiting(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.weight)) this.#waiting.shift()!.grant();
  }
}
