/**
 * Pausing the server: after a set number of list requests, every further one is held unanswered until
 * `release()`. Tests stop, kill or cut a machine while it waits here, at a known point of its run,
 * instead of guessing when "the middle" is.
 */
import { STREAM_NAMES, type StreamName } from '../streams/types.js';

export interface HoldOptions {
  /** List requests let through from now before holding starts (0: hold the next one). */
  after: number;
  /** Count only this stream's requests; once they are through, every stream's requests are held. */
  stream?: StreamName;
}

export interface GateState {
  /** Whether requests are held (or will be, once `after` have passed). */
  holding: boolean;
  /** Requests waiting for `release()`. */
  held: number;
  /** Requests still let through before holding starts. */
  remaining: number;
}

export class RequestGate {
  /** Requests to let through before holding; undefined when not holding. */
  #remaining: number | undefined;
  #stream: StreamName | undefined;
  readonly #waiting: (() => void)[] = [];
  readonly #onHeld: { count: number; resolve: () => void }[] = [];

  hold(options: HoldOptions): void {
    if (!Number.isInteger(options.after) || options.after < 0)
      throw new RangeError('hold: after must be an integer >= 0');
    if (options.stream !== undefined && !(STREAM_NAMES as readonly string[]).includes(options.stream))
      throw new RangeError(`hold: unknown stream "${options.stream}"`);
    this.#remaining = options.after;
    this.#stream = options.stream;
  }

  /** Answers every held request and stops holding. */
  release(): void {
    this.#remaining = undefined;
    for (const resume of this.#waiting.splice(0)) resume();
  }

  get state(): GateState {
    return {
      holding: this.#remaining !== undefined,
      held: this.#waiting.length,
      remaining: this.#remaining ?? 0,
    };
  }

  /** Resolves once at least `count` requests are held. */
  whenHeld(count = 1): Promise<void> {
    if (this.#waiting.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#onHeld.push({ count, resolve }));
  }

  /**
   * Called for each request before it is answered (`stream` undefined for the DORA calls): undefined to
   * answer now, else a promise of `release()`.
   */
  pass(stream: StreamName | undefined): Promise<void> | undefined {
    if (this.#remaining === undefined) return undefined;
    if (this.#remaining > 0) {
      if (this.#stream === undefined || this.#stream === stream) this.#remaining -= 1;
      return undefined;
    }
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      const ready = this.#onHeld.filter((waiter) => this.#waiting.length >= waiter.count);
      for (const waiter of ready) {
        this.#onHeld.splice(this.#onHeld.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  }
}
