/**
 * Writes several pages of one stream at once while committing them strictly in page order.
 *
 * Why: one stream's writes used to be sequential, so on PostgreSQL a big stream (Jira) kept a single
 * backend busy while the other cores idled. With `depth` 2, page N+1's upserts run on a second
 * connection while page N's are still in progress; a page only takes its turn to write the checkpoint
 * and commit after the page before it has committed. So the checkpoint still only ever moves forward
 * over committed pages, and a crash still resumes at the first uncommitted page.
 *
 * Pages that share a record key (pages shifted under the walk) are never in flight together: if the
 * later page locked the shared row first, the earlier page would block on that row lock while the later
 * page waited for the earlier one's commit, a deadlock PostgreSQL cannot see (half of it is here). A
 * page that overlaps one in flight therefore waits until that one has committed.
 */

/** One page write: do the work, `await turn` before the checkpoint and commit, then count. */
export type OrderedWrite = (turn: Promise<void>) => Promise<void>;

interface InFlight {
  readonly done: Promise<void>;
  readonly keys: ReadonlySet<string>;
}

function overlaps(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const key of small) if (large.has(key)) return true;
  return false;
}

export class OrderedWrites {
  readonly #depth: number;
  #inFlight: InFlight[] = [];
  /** Settles when the last submitted write has committed (rejects when any write failed). */
  #tail: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | undefined;

  /** @param depth pages in flight at most; 1 is the plain sequential write. */
  constructor(depth: number) {
    if (!Number.isInteger(depth) || depth < 1)
      throw new RangeError(`depth must be an integer >= 1, got ${depth}`);
    this.#depth = depth;
  }

  /**
   * Starts `write` once fewer than `depth` writes are in flight and none of them touches `keys`, then
   * resolves once there is room for another write (not when this one has finished). Waiting for room
   * before returning keeps the caller from fetching a page that could not be written yet: at most
   * `depth` pages are in hand at any time, which is what a crash can cost. Throws the first failure of
   * an earlier write.
   */
  async submit(keys: ReadonlySet<string>, write: OrderedWrite): Promise<void> {
    this.#throwIfFailed();
    // Commits are in order, so once the last overlapping write is done, every earlier one is too.
    const overlapping = this.#inFlight.filter((entry) => overlaps(entry.keys, keys)).at(-1);
    if (overlapping) await overlapping.done.catch(() => {});
    this.#throwIfFailed();
    // The previous write's completion is this one's turn; a failure before it rejects every later turn,
    // so no later page can commit past a page that did not.
    const turn = this.#tail;
    const done = write(turn);
    const entry: InFlight = { done, keys };
    this.#inFlight.push(entry);
    this.#tail = done;
    done.then(
      () => this.#remove(entry),
      (error: unknown) => {
        this.#failure ??= { error };
        this.#remove(entry);
      },
    );
    while (this.#inFlight.length >= this.#depth) await this.#inFlight[0]!.done.catch(() => {});
    this.#throwIfFailed();
  }

  /** Waits for every write in flight; throws the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    this.#throwIfFailed();
  }

  /** Waits for every write in flight, whatever their outcome (cleanup after an error elsewhere). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#inFlight.map((entry) => entry.done));
  }

  #remove(entry: InFlight): void {
    const index = this.#inFlight.indexOf(entry);
    if (index >= 0) this.#inFlight.splice(index, 1);
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }
}
