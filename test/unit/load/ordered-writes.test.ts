import { describe, expect, it } from 'vitest';
import { OrderedWrites } from '../../../src/load/ordered-writes.js';

/** A promise with its resolvers, to finish writes in the order a test wants. */
function gate() {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const keys = (...values: string[]) => new Set(values);
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Observes whether a promise has settled yet, without awaiting it. */
function track(promise: Promise<unknown>) {
  const state = { settled: false };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

describe('OrderedWrites', () => {
  it('commits in submission order even when a later write finishes its work first', async () => {
    const writes = new OrderedWrites(2);
    const log: string[] = [];
    const firstWork = gate();
    await writes.submit(keys('a'), async (turn) => {
      await firstWork.promise;
      await turn;
      log.push('commit 1');
    });
    const second = writes.submit(keys('b'), async (turn) => {
      log.push('work 2 done');
      await turn;
      log.push('commit 2');
    });
    await tick();
    expect(log).toEqual(['work 2 done']);
    firstWork.open();
    await second;
    await writes.drain();
    expect(log).toEqual(['work 2 done', 'commit 1', 'commit 2']);
  });

  it('returns from submit only when there is room for another write, so at most `depth` pages are in hand', async () => {
    const writes = new OrderedWrites(2);
    const gates = [gate(), gate()];
    let running = 0;
    const write = (g: ReturnType<typeof gate>) => async (turn: Promise<void>) => {
      running += 1;
      await g.promise;
      await turn;
      running -= 1;
    };
    // One write in flight: room for another, submit returns at once.
    await writes.submit(keys('0'), write(gates[0]!));
    // Two in flight: the caller is held (it would otherwise fetch a third page) until the first is done.
    const second = track(writes.submit(keys('1'), write(gates[1]!)));
    await tick();
    expect(running).toBe(2);
    expect(second.settled).toBe(false);
    gates[0]!.open();
    await tick();
    expect(second.settled).toBe(true);
    expect(running).toBe(1);
    gates[1]!.open();
    await writes.drain();
    expect(running).toBe(0);
  });

  it('with depth 1, submit returns when the write is done', async () => {
    const writes = new OrderedWrites(1);
    const g = gate();
    let done = false;
    const submitted = track(
      writes.submit(keys('a'), async () => {
        await g.promise;
        done = true;
      }),
    );
    await tick();
    expect(submitted.settled).toBe(false);
    g.open();
    await tick();
    expect(submitted.settled).toBe(true);
    expect(done).toBe(true);
  });

  it('does not start a write that shares a key with one in flight until that one is done', async () => {
    const writes = new OrderedWrites(4);
    const first = gate();
    let secondStarted = false;
    await writes.submit(keys('a', 'b'), async () => {
      await first.promise;
    });
    const second = writes.submit(keys('b', 'c'), async () => {
      secondStarted = true;
    });
    await tick();
    expect(secondStarted).toBe(false);
    first.open();
    await second;
    await writes.drain();
    expect(secondStarted).toBe(true);
  });

  it('lets a failure reject every later turn and surface from submit and drain', async () => {
    const writes = new OrderedWrites(2);
    const first = gate();
    let secondCommitted = false;
    await writes.submit(keys('a'), async (turn) => {
      await first.promise;
      await turn;
    });
    const second = writes.submit(keys('b'), async (turn) => {
      await turn;
      secondCommitted = true;
    });
    first.fail(new Error('database went away'));
    await expect(second).rejects.toThrow('database went away');
    await expect(writes.drain()).rejects.toThrow('database went away');
    expect(secondCommitted).toBe(false);
    await expect(writes.submit(keys('c'), async () => {})).rejects.toThrow('database went away');
  });

  it('settle waits for every write without throwing', async () => {
    const writes = new OrderedWrites(3);
    const first = gate();
    let finished = false;
    await writes.submit(keys('a'), async () => {
      await first.promise;
    });
    await writes.submit(keys('b'), async (turn) => {
      await turn.catch(() => {});
      await tick();
      finished = true;
    });
    first.fail(new Error('boom'));
    await expect(writes.settle()).resolves.toBeUndefined();
    expect(finished).toBe(true);
  });

  it('refuses a depth below 1', () => {
    expect(() => new OrderedWrites(0)).toThrow(RangeError);
  });
});
