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

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#capacity) await new Promise<void>((resolve) => this.#queue.push(resolve));
    else this.#running++;
    try {
      return await task();
    } finally {
      const next = this.#queue.shift();
      // The slot passes straight to the next task; only when none waits is it freed.
      if (next) next();
      else this.#running--;
    }
  }
}
