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
 * Of those pages, fewer may be parsed at once (`parsedPages`): a page is parsed only once its lease
 * has a parse place (`PageLease.parsing`), and until then it is its body alone. Against a fast server
 * the pages in hand are answers waiting for their write, and a parsed 1,000-issue page is several
 * times its body (issue 24: most of the peak was parsed pages waiting at the start of a walk); under
 * latency pages are written as they come and never wait here.
 *
 * No deadlock: a lease is held only by a request under way or by a page on its way to its commit, and
 * neither needs another lease to get there (a page waiting behind its predecessor waits for a commit,
 * and the predecessor took its lease first). The same holds for parse places: a slice parses its
 * pages in order (the next request needs the previous page's records), so a page waiting for its
 * write behind its predecessor waits for a page already parsed. Waiters are served in order, so a
 * heavy request is not overtaken forever by light ones.
 */
import { abortedError } from './sei/errors.js';

/** One page's share of the budget; `release` may be called any number of times, the first counts. */
export interface PageLease {
  /**
   * Resolves once the page may be parsed (at once when it already may); rejects with the abort error
   * of `path` when `signal` aborts first. Released with the lease.
   */
  parsing(signal?: AbortSignal, path?: string): Promise<void>;
  release(): void;
}

/** The lease of a walk without a budget (verify's counts, tests). */
export const NO_LEASE: PageLease = { parsing: async () => {}, release: () => {} };

interface Waiter {
  weight: number;
  grant: () => void;
}

/** Places counted in pages, granted in order; a request always fits when nothing else is held. */
class PagePlaces {
  held = 0;
  peak = 0;
  readonly waiting: Waiter[] = [];

  constructor(readonly allowed: () => number) {}

  /** Resolves with a release once `weight` places fit; rejects (holding nothing) when `signal` aborts first. */
  take(weight: number, signal: AbortSignal | undefined, aborted: () => Error): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(aborted());
    if (this.waiting.length === 0 && this.#fits(weight)) return Promise.resolve(this.#grant(weight));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        weight,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#grant(weight));
        },
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        // The one that left may have held back lighter ones behind it.
        this.#grantWaiting();
        reject(aborted());
      };
      this.waiting.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #fits(weight: number): boolean {
    return this.held === 0 || this.held + weight <= this.allowed();
  }

  #grant(weight: number): () => void {
    this.held += weight;
    this.peak = Math.max(this.peak, this.held);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.held -= weight;
      this.#grantWaiting();
    };
  }

  #grantWaiting(): void {
    while (this.waiting.length > 0 && this.#fits(this.waiting[0]!.weight)) this.waiting.shift()!.grant();
  }
}

export class PageBudget {
  /** The most pages ever in hand. */
  readonly capacity: number;
  /** The most pages ever parsed at once (at most `capacity`). */
  readonly parsedCapacity: number;
  readonly #allowedNow: () => number;
  readonly #inHand: PagePlaces;
  readonly #parsed: PagePlaces;

  /**
   * @param pages pages in hand at most, at least 1
   * @param allowedNow pages allowed at this moment, read whenever a request asks (capped at `pages`)
   * @param parsedPages of them, pages parsed at once at most (capped at `pages`)
   */
  constructor(pages: number, allowedNow: () => number = () => pages, parsedPages = pages) {
    if (!Number.isInteger(pages) || pages < 1)
      throw new RangeError(`pages must be an integer >= 1, got ${pages}`);
    if (!Number.isInteger(parsedPages) || parsedPages < 1)
      throw new RangeError(`parsedPages must be an integer >= 1, got ${parsedPages}`);
    this.capacity = pages;
    this.parsedCapacity = Math.min(pages, parsedPages);
    this.#allowedNow = allowedNow;
    this.#inHand = new PagePlaces(() => this.allowed);
    this.#parsed = new PagePlaces(() => this.parsedCapacity);
  }

  /** Pages allowed now. */
  get allowed(): number {
    return Math.max(1, Math.min(this.capacity, this.#allowedNow()));
  }

  /** Pages in hand now. */
  get inHand(): number {
    return this.#inHand.held;
  }

  /** Most pages in hand at once (for tests and benchmarks). */
  get peak(): number {
    return this.#inHand.peak;
  }

  /** Most pages parsed at once (for tests and benchmarks). */
  get peakParsed(): number {
    return this.#parsed.peak;
  }

  /** Requests waiting for a lease. */
  get waiting(): number {
    return this.#inHand.waiting.length;
  }

  /**
   * Resolves once `weight` pages (capped at the capacity) fit; rejects with the abort error of `path`
   * (the request it was for) when `signal` aborts first, holding nothing.
   */
  async acquire(weight: number, signal?: AbortSignal, path?: string): Promise<PageLease> {
    const pages = Math.min(this.capacity, Math.max(1, Math.ceil(weight)));
    const releasePage = await this.#inHand.take(pages, signal, () => abortedError({ method: 'POST', path }));
    let released = false;
    /** The parse place's release, once granted. */
    let releaseParsed: (() => void) | undefined;
    let waitingToParse: Promise<void> | undefined;
    return {
      parsing: (parseSignal, parsePath) => {
        if (released || releaseParsed !== undefined) return Promise.resolve();
        waitingToParse ??= this.#parsed
          .take(Math.min(pages, this.parsedCapacity), parseSignal, () =>
            abortedError({ method: 'POST', path: parsePath ?? path }),
          )
          .then(
            (release) => {
              // Released while it waited: the place goes back at once.
              if (released) release();
              else releaseParsed = release;
            },
            (error: unknown) => {
              waitingToParse = undefined;
              throw error;
            },
          );
        return waitingToParse;
      },
      release: () => {
        if (released) return;
        released = true;
        releasePage();
        releaseParsed?.();
      },
    };
  }
}
