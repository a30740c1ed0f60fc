import { describe, expect, it } from 'vitest';
import { napOnWalk, sliceEnded } from '../../../src/sync/walk-signal.js';

/** Whether `promise` has settled by the next turn of the event loop. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('napOnWalk', () => {
  it('wakes the thieves of a walk when one of its slices ends, not those of another walk', async () => {
    const first = napOnWalk('walk-a', 60_000);
    const second = napOnWalk('walk-a', 60_000);
    const other = napOnWalk('walk-b', 50);
    sliceEnded('walk-a');
    expect(await settled(first)).toBe(true);
    expect(await settled(second)).toBe(true);
    expect(await settled(other)).toBe(false);
    // Without an end, a nap lasts its time.
    await other;
  });

  it('ends with its time, or at once when its signal aborts', async () => {
    const started = performance.now();
    await napOnWalk('walk-c', 30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    const controller = new AbortController();
    const nap = napOnWalk('walk-c', 60_000, controller.signal);
    controller.abort();
    expect(await settled(nap)).toBe(true);
    expect(await settled(napOnWalk('walk-c', 60_000, controller.signal))).toBe(true);
    // An end with nobody napping wakes nobody later.
    sliceEnded('walk-d');
    expect(await settled(napOnWalk('walk-d', 20))).toBe(false);
  });
});
