import { describe, expect, it } from 'vitest';
import { PageBudget, type PageLease } from '../../../src/extract/page-budget.js';

/** Whether `promise` has settled once the queued callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('PageBudget', () => {
  it('grants up to its capacity, then makes the next wait until a page is released', async () => {
    const budget = new PageBudget(2);
    const a = await budget.acquire(1);
    await budget.acquire(1);
    const third = budget.acquire(1);
    expect(await settled(third)).toBe(false);
    expect(budget.inHand).toBe(2);
    a.release();
    expect(await settled(third)).toBe(true);
    expect(budget.inHand).toBe(2);
    expect(budget.peak).toBe(2);
  });

  it('counts a release once, however often it is called', async () => {
    const budget = new PageBudget(3);
    const lease = await budget.acquire(1);
    await budget.acquire(1);
    lease.release();
    lease.release();
    lease.release();
    expect(budget.inHand).toBe(1);
  });

  it('weighs a larger request as several pages, at most the whole budget, so it can run alone', async () => {
    const budget = new PageBudget(4);
    const small = await budget.acquire(1);
    const heavy = budget.acquire(10);
    expect(await settled(heavy)).toBe(false);
    small.release();
    const lease = await heavy;
    expect(budget.inHand).toBe(4);
    lease.release();
    expect(budget.inHand).toBe(0);
  });

  it('serves waiters in order: light requests do not overtake a heavy one forever', async () => {
    const budget = new PageBudget(3);
    const held = [await budget.acquire(1), await budget.acquire(1)];
    const order: string[] = [];
    const heavy = budget.acquire(3).then((lease) => {
      order.push('heavy');
      return lease;
    });
    const light = budget.acquire(1).then((lease) => {
      order.push('light');
      return lease;
    });
    // One page is free, but the heavy request waits first: the light one waits behind it.
    expect(await settled(light)).toBe(false);
    for (const lease of held) lease.release();
    (await heavy).release();
    (await light).release();
    expect(order).toEqual(['heavy', 'light']);
    expect(budget.inHand).toBe(0);
  });

  it('an abort while waiting rejects, holds nothing, and lets those behind it in', async () => {
    const budget = new PageBudget(2);
    const first = await budget.acquire(1);
    const controller = new AbortController();
    const heavy = budget.acquire(2, controller.signal, '/v1/things/list');
    const light = budget.acquire(1);
    expect(await settled(light)).toBe(false);
    controller.abort();
    await expect(heavy).rejects.toMatchObject({ code: 'SEI_ERR_ABORTED' });
    (await light).release();
    first.release();
    expect(budget.inHand).toBe(0);
    expect(budget.waiting).toBe(0);
  });

  it('an abort before asking takes nothing', async () => {
    const budget = new PageBudget(1);
    const controller = new AbortController();
    controller.abort();
    await expect(budget.acquire(1, controller.signal)).rejects.toMatchObject({ code: 'SEI_ERR_ABORTED' });
    expect(budget.inHand).toBe(0);
  });

  it('allows at each moment what allowedNow says, within its capacity, and a lone request always fits', async () => {
    let now = 1;
    const budget = new PageBudget(4, () => now);
    const first = await budget.acquire(1);
    const second = budget.acquire(1);
    expect(await settled(second)).toBe(false);
    // More requests called for (a slower server): the next release lets both in.
    now = 3;
    const third = budget.acquire(1);
    first.release();
    (await second).release();
    (await third).release();
    now = 100;
    expect(budget.allowed).toBe(4);
    // Fewer allowed than a heavy request weighs: alone, it still runs.
    now = 1;
    const heavy = await budget.acquire(3);
    expect(budget.inHand).toBe(3);
    expect(await settled(budget.acquire(1))).toBe(false);
    heavy.release();
  });

  it('refuses a capacity below one page', () => {
    expect(() => new PageBudget(0)).toThrow(RangeError);
    expect(() => new PageBudget(1.5)).toThrow(RangeError);
  });

  it('many acquirers over a small budget all get through and leave it whole', async () => {
    const budget = new PageBudget(3);
    const work = Array.from({ length: 50 }, async (_, i) => {
      const lease: PageLease = await budget.acquire(1 + (i % 4));
      expect(budget.inHand).toBeLessThanOrEqual(3);
      await new Promise((resolve) => setImmediate(resolve));
      lease.release();
    });
    await Promise.all(work);
    expect(budget.inHand).toBe(0);
    expect(budget.peak).toBeLessThanOrEqual(3);
  });

  it('parses at most its parsed pages at once; a release hands the place on', async () => {
    const budget = new PageBudget(4, undefined, 2);
    const [a, b, c] = [await budget.acquire(1), await budget.acquire(1), await budget.acquire(1)];
    await a.parsing();
    await a.parsing(); // one place, however often asked
    await b.parsing();
    const third = c.parsing();
    expect(await settled(third)).toBe(false);
    expect(budget.inHand).toBe(3);
    a.release();
    expect(await settled(third)).toBe(true);
    expect(budget.peakParsed).toBe(2);
    b.release();
    c.release();
    const d = await budget.acquire(1);
    const e = await budget.acquire(1);
    await d.parsing();
    await e.parsing();
    expect(budget.peakParsed).toBe(2);
  });

  it('gives a parse place back when the lease is released while it waits, and holds none when aborted', async () => {
    const budget = new PageBudget(3, undefined, 1);
    const first = await budget.acquire(1);
    await first.parsing();
    const waiting = await budget.acquire(1);
    const parse = waiting.parsing();
    waiting.release();
    first.release();
    await parse;
    const aborting = await budget.acquire(1);
    const holder = await budget.acquire(1);
    await holder.parsing();
    const controller = new AbortController();
    const refused = aborting.parsing(controller.signal, '/v1/jira_issues/list');
    controller.abort();
    await expect(refused).rejects.toMatchObject({ code: 'SEI_ERR_ABORTED' });
    holder.release();
    const next = await budget.acquire(1);
    expect(await settled(next.parsing())).toBe(true);
  });
});
