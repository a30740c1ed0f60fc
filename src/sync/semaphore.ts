/** At most `capacity` tasks at once; the others wait their turn in order. */
export class Semaphore {
  readonly #capacity: number;
  #running = 0;
  readonly #queue: (() => void)[] = [];

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be an integer >= 1, got ${capacity}`);
    this.#capacity = capacity;
  }

  /** Tasks holding a place now. */
  get running(): number {
    return this.#running;
  }

  /** Resolves, in the order asked, once a place is free; returns its release (the first call counts). */
  async acquire(): Promise<() => void> {
    if (this.#running >= this.#capacity) await new Promise<void>((resolve) => this.#queue.push(resolve));
    else this.#running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      // The place passes straight to the next task; only when none waits is it freed.
      if (next) next();
      else this.#running--;
    };
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }
}
