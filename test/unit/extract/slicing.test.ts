import { describe, expect, it } from 'vitest';
import { noCost } from '../../../src/extract/list-request.js';
import { planSlices, SLICING_DEFAULTS } from '../../../src/extract/slicing.js';
import type { TimeRange } from '../../../src/extract/time-range.js';

/** Instants of `n` records: most in the last tenth of the window, a bulk of 500 on one second. */
function skewed(n: number, range: TimeRange): number[] {
  const span = range.to - range.from;
  return Array.from({ length: n }, (_, i) =>
    i < 500
      ? range.from + Math.floor(span * 0.95)
      : range.from + Math.floor(span * (i % 10 === 0 ? i / n : 0.9 + (i / n) * 0.1)),
  );
}

function counter(instants: readonly number[]) {
  let requests = 0;
  return {
    get requests() {
      return requests;
    },
    count: async (part: TimeRange) => {
      requests++;
      return {
        total: instants.filter((t) => t >= part.from && t < part.to).length,
        cost: { ...noCost(), requests: 1 },
      };
    },
  };
}

describe('planSlices', () => {
  const range = { from: 1_600_000_000, to: 1_700_000_000 };

  it('partitions the window into slices of about equal size from counts', async () => {
    const instants = skewed(50_000, range);
    const server = counter(instants);
    const plan = await planSlices({ range, count: server.count, pageSize: 1000 });
    expect(plan.total).toBe(50_000);
    expect(plan.slices[0]!.from).toBe(range.from);
    expect(plan.slices.at(-1)!.to).toBe(range.to);
    for (let k = 1; k < plan.slices.length; k++) expect(plan.slices[k]!.from).toBe(plan.slices[k - 1]!.to);
    expect(plan.slices.reduce((sum, slice) => sum + (slice.estimatedRecords ?? 0), 0)).toBe(50_000);
    expect(plan.slices.length).toBeGreaterThan(4);
    expect(plan.slices.length).toBeLessThanOrEqual(SLICING_DEFAULTS.maxSlices);
    // No slice holds much more than its share, unless it is one instant (the bulk operation).
    const share = 50_000 / plan.slices.length;
    for (const slice of plan.slices)
      if (slice.to - slice.from > 1) expect(slice.estimatedRecords ?? 0).toBeLessThan(share * 4);
    expect(plan.cost.requests).toBe(server.requests);
  });

  it('with thieves to cut the rest, stops after one round that taught something', async () => {
    const instants = skewed(200_000, range);
    const full = counter(instants);
    await planSlices({ range, count: full.count, pageSize: 1000 });
    const server = counter(instants);
    const plan = await planSlices({
      range,
      count: server.count,
      pageSize: 1000,
      rounds: SLICING_DEFAULTS.roundsWithStealing,
    });
    // The window's count, a round that found nearly all in its last part, and one that cut that part.
    expect(server.requests).toBe(1 + 2 * SLICING_DEFAULTS.maxParts);
    expect(full.requests).toBeGreaterThan(server.requests);
    expect(plan.slices[0]!.from).toBe(range.from);
    expect(plan.slices.at(-1)!.to).toBe(range.to);
    for (let k = 1; k < plan.slices.length; k++) expect(plan.slices[k]!.from).toBe(plan.slices[k - 1]!.to);
    expect(plan.slices.reduce((sum, slice) => sum + (slice.estimatedRecords ?? 0), 0)).toBe(200_000);
    expect(plan.slices.length).toBeGreaterThan(4);
  });

  it('keeps a small window in one slice, after one count', async () => {
    const server = counter(skewed(1_500, range));
    const plan = await planSlices({ range, count: server.count, pageSize: 1000 });
    expect(plan.slices).toEqual([{ ...range, estimatedRecords: 1_500 }]);
    expect(server.requests).toBe(1);
  });

  it('without a count, walks the window as one slice', async () => {
    const plan = await planSlices({
      range,
      count: async () => ({ total: undefined, cost: noCost() }),
      pageSize: 1000,
    });
    expect(plan.slices).toEqual([{ ...range, estimatedRecords: undefined }]);
  });
});

describe('planSlices with the first record of each count (ascending walks)', () => {
  const range = { from: 1_500_000_000, to: 1_800_000_000 };
  /** 30k records in the second half of the window's last quarter, one record long before. */
  const instants = [
    1_500_000_001,
    ...Array.from({ length: 30_000 }, (_, i) => 1_700_000_000 + Math.floor((i * 50_000_000) / 30_000)),
  ];
  const server = {
    requests: 0,
    firstInstant: async (part: TimeRange) => {
      server.requests++;
      const inside = instants.filter((t) => t >= part.from && t < part.to);
      return { first: inside[0], total: inside.length, cost: { ...noCost(), requests: 1 } };
    },
  };

  it('closes the stretches its counts showed empty instead of walking them', async () => {
    const plan = await planSlices({
      range,
      count: (part) => server.firstInstant(part),
      firstInstant: server.firstInstant,
      pageSize: 1000,
    });
    for (let k = 1; k < plan.slices.length; k++) expect(plan.slices[k]!.from).toBe(plan.slices[k - 1]!.to);
    expect(plan.slices[0]!.from).toBe(range.from);
    expect(plan.slices.at(-1)!.to).toBe(range.to);
    // Every record lies in a slice that is walked; every slice marked empty holds none.
    for (const slice of plan.slices) {
      const held = instants.filter((t) => t >= slice.from && t < slice.to).length;
      if (slice.empty) expect(held, `${slice.from}..${slice.to}`).toBe(0);
    }
    const emptySpan = plan.slices.filter((s) => s.empty).reduce((n, s) => n + s.to - s.from, 0);
    // Most of the 200M seconds between the lone record and the bulk are known empty.
    expect(emptySpan).toBeGreaterThan(150_000_000);
    expect(plan.cost.requests).toBe(server.requests);
  });
});

describe('planSlices when one record lies far before the others', () => {
  // One record just before 1970 (SEI holds such dates), then 20k spread over two years and 10k more
  // in three busy months of them (a migration, say).
  const range = { from: -2_147_483_648, to: 1_796_623_163 };
  const years = { from: 1_672_958_091, to: 1_736_000_000 };
  const busy = { from: 1_726_000_000, to: 1_733_900_000 };
  const spread = (n: number, part: TimeRange) =>
    Array.from({ length: n }, (_, i) => part.from + Math.floor(((part.to - part.from) * i) / n));
  const instants = [-1, ...spread(20_000, years), ...spread(10_000, busy)].sort((a, b) => a - b);
  const server = {
    requests: 0,
    firstInstant: async (part: TimeRange) => {
      server.requests++;
      const inside = instants.filter((t) => t >= part.from && t < part.to);
      return { first: inside[0], total: inside.length, cost: { ...noCost(), requests: 1 } };
    },
  };

  it('counts the crowded stretch again: a round that found every record in one stretch taught nothing', async () => {
    const plan = await planSlices({
      range,
      count: (part) => server.firstInstant(part),
      firstInstant: server.firstInstant,
      pageSize: 1000,
    });
    const walked = plan.slices.filter((slice) => !slice.empty);
    const held = walked.map((slice) => instants.filter((t) => t >= slice.from && t < slice.to).length);
    expect(held.reduce((n, k) => n + k, 0)).toBe(instants.length);
    // The longest slice bounds the walk: none holds much more than its share.
    expect(Math.max(...held)).toBeLessThan((3 * instants.length) / walked.length);
    expect(plan.cost.requests).toBe(server.requests);
  });

  it('counts once past a record dated 1970 instead of a round of equal parts from it', async () => {
    const counted: TimeRange[] = [];
    const plan = await planSlices({
      range,
      count: (part) => server.firstInstant(part),
      firstInstant: async (part) => {
        counted.push(part);
        return server.firstInstant(part);
      },
      pageSize: 1000,
      rounds: SLICING_DEFAULTS.roundsWithStealing,
    });
    // The window, past its first record, then one round over the years where the others lie.
    expect(counted.slice(0, 2)).toEqual([range, { from: 0, to: range.to }]);
    expect(counted).toHaveLength(2 + SLICING_DEFAULTS.maxParts);
    for (const part of counted.slice(2)) expect(part.from).toBeGreaterThanOrEqual(years.from);
    const walked = plan.slices.filter((slice) => !slice.empty);
    const held = walked.map((slice) => instants.filter((t) => t >= slice.from && t < slice.to).length);
    expect(held.reduce((n, k) => n + k, 0)).toBe(instants.length);
    expect(walked.length).toBeGreaterThan(4);
    expect(Math.max(...held)).toBeLessThan((4 * instants.length) / walked.length);
  });

  /** The server answering with the first `records` records of each count, as a one-record request does with one. */
  const withFirstRecords =
    (times: readonly number[], counted: { part: TimeRange; records: number }[]) =>
    async (part: TimeRange, records = 1) => {
      counted.push({ part, records });
      const inside = times.filter((t) => t >= part.from && t < part.to);
      return {
        first: inside[0],
        total: inside.length,
        cost: { ...noCost(), requests: 1 },
        instants: inside.slice(0, records),
      };
    };

  it('reads where the others start from the first records of the window, without a count past 1970', async () => {
    const before: TimeRange[] = [];
    const twoCounts = await planSlices({
      range,
      count: (part) => server.firstInstant(part),
      firstInstant: async (part) => {
        before.push(part);
        return server.firstInstant(part);
      },
      pageSize: 1000,
      rounds: SLICING_DEFAULTS.roundsWithStealing,
    });
    const counted: { part: TimeRange; records: number }[] = [];
    const plan = await planSlices({
      range,
      count: (part) => server.firstInstant(part),
      firstInstant: withFirstRecords(instants, counted),
      pageSize: 1000,
      rounds: SLICING_DEFAULTS.roundsWithStealing,
    });
    // The window (a few records: it starts before 1970), then the round over the years at once.
    expect(counted[0]).toEqual({ part: range, records: SLICING_DEFAULTS.firstRecordsBefore1970 });
    expect(counted).toHaveLength(1 + SLICING_DEFAULTS.maxParts);
    for (const { part, records } of counted.slice(1)) {
      expect(part.from).toBeGreaterThanOrEqual(years.from);
      expect(records).toBe(1);
    }
    expect(plan.cost.requests).toBe(before.length - 1);
    // The same plan as with the count past the first record.
    expect(plan.slices).toEqual(twoCounts.slices);
    expect(plan.total).toBe(twoCounts.total);
  });

  it('counts past 1970 when every first record of the window shares the first instant', async () => {
    const crowded = [...Array.from({ length: 12 }, () => 0), ...instants.slice(1)];
    const counted: { part: TimeRange; records: number }[] = [];
    const plan = await planSlices({
      range,
      count: async () => {
        throw new Error('counts go through firstInstant');
      },
      firstInstant: withFirstRecords(crowded, counted),
      pageSize: 1000,
      rounds: SLICING_DEFAULTS.roundsWithStealing,
    });
    expect(counted[1]).toEqual({ part: { from: 1, to: range.to }, records: 1 });
    expect(counted).toHaveLength(2 + SLICING_DEFAULTS.maxParts);
    const walked = plan.slices.filter((slice) => !slice.empty);
    const held = walked.map((slice) => crowded.filter((t) => t >= slice.from && t < slice.to).length);
    expect(held.reduce((n, k) => n + k, 0)).toBe(crowded.length);
    // The twelve at 1970 are a slice of their own, counted exactly.
    expect(walked[0]).toMatchObject({ from: 0, to: 1, estimatedRecords: 12 });
  });

  it('asks one record of a window that starts after 1970', async () => {
    const counted: { part: TimeRange; records: number }[] = [];
    await planSlices({
      range: { from: 1, to: range.to },
      count: async () => {
        throw new Error('counts go through firstInstant');
      },
      firstInstant: withFirstRecords(instants, counted),
      pageSize: 1000,
    });
    expect(counted.map(({ records }) => records)).toEqual(counted.map(() => 1));
  });

  it('with thieves to cut the rest, a round that taught nothing does not count as the one round', async () => {
    // Counts alone (no first records, so no count past the lone one): equal parts from 1901.
    server.requests = 0;
    const plan = await planSlices({
      range,
      count: (part) => server.firstInstant(part),
      pageSize: 1000,
      rounds: SLICING_DEFAULTS.roundsWithStealing,
    });
    const walked = plan.slices.filter((slice) => !slice.empty);
    const held = walked.map((slice) => instants.filter((t) => t >= slice.from && t < slice.to).length);
    expect(held.reduce((n, k) => n + k, 0)).toBe(instants.length);
    // The first round found everything in its last part; the second cut that part, over the years.
    expect(walked.length).toBeGreaterThan(4);
    expect(Math.max(...held)).toBeLessThan((4 * instants.length) / walked.length);
  });
});
