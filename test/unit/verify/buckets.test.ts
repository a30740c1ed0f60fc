import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cicdJobRunsStream } from '../../../src/streams/cicd-job-runs.js';
import { jiraIssuesStream } from '../../../src/streams/jira-issues.js';
import {
  monthBuckets,
  monthStart,
  nextMonthStart,
  partsFor,
  serverInterval,
} from '../../../src/verify/buckets.js';

const at = (iso: string) => Date.parse(iso) / 1000;

describe('month buckets', () => {
  it('cut the range at month boundaries from the first known record to the last, one bucket before and after', () => {
    const range = { from: 0, to: at('2024-05-10T12:00:00Z') };
    const buckets = monthBuckets(range, {
      first: at('2024-02-14T08:00:00Z'),
      last: at('2024-03-02T00:00:00Z'),
    });
    expect(buckets).toEqual([
      { from: 0, to: at('2024-02-01T00:00:00Z') },
      { from: at('2024-02-01T00:00:00Z'), to: at('2024-03-01T00:00:00Z') },
      { from: at('2024-03-01T00:00:00Z'), to: at('2024-04-01T00:00:00Z') },
      { from: at('2024-04-01T00:00:00Z'), to: range.to },
    ]);
  });

  it('start at --since inside a month, end at the cursor, and are one bucket when nothing is known', () => {
    const range = { from: at('2024-01-20T00:00:00Z'), to: at('2024-02-10T00:00:00Z') };
    expect(monthBuckets(range, { first: at('2023-06-01T00:00:00Z'), last: undefined })).toEqual([
      { from: range.from, to: at('2024-02-01T00:00:00Z') },
      { from: at('2024-02-01T00:00:00Z'), to: range.to },
    ]);
    expect(monthBuckets(range, { first: undefined, last: undefined })).toEqual([range]);
    expect(monthBuckets({ from: 5, to: 5 }, { first: 1, last: 9 })).toEqual([]);
  });

  it('always partition the range, whatever the records known', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000_000_000 }),
        fc.integer({ min: 1, max: 400 * 86_400 }),
        fc.option(fc.integer({ min: 0, max: 2_100_000_000 })),
        fc.option(fc.integer({ min: 0, max: 2_100_000_000 })),
        (from, length, first, last) => {
          const range = { from, to: from + length };
          const buckets = monthBuckets(range, { first: first ?? undefined, last: last ?? undefined });
          expect(buckets[0]?.from).toBe(range.from);
          expect(buckets.at(-1)?.to).toBe(range.to);
          for (let k = 1; k < buckets.length; k++) expect(buckets[k]?.from).toBe(buckets[k - 1]?.to);
          for (const bucket of buckets) expect(bucket.to).toBeGreaterThan(bucket.from);
        },
      ),
    );
  });

  it('knows month lengths, leap years and year ends in UTC', () => {
    expect(nextMonthStart(at('2024-02-29T23:59:59Z'))).toBe(at('2024-03-01T00:00:00Z'));
    expect(nextMonthStart(at('2023-12-31T23:00:00Z'))).toBe(at('2024-01-01T00:00:00Z'));
    expect(monthStart(at('2024-03-01T00:00:00Z'))).toBe(at('2024-03-01T00:00:00Z'));
  });

  it('cut a crowded bucket into parts sized for half the limit, never finer than a second', () => {
    expect(partsFor({ from: 0, to: 1000 }, 5000, 1000, 16)).toHaveLength(10);
    expect(partsFor({ from: 0, to: 1000 }, 900_000, 1000, 16)).toHaveLength(16);
    expect(partsFor({ from: 0, to: 3 }, 900_000, 1000, 16)).toEqual([
      { from: 0, to: 1 },
      { from: 1, to: 2 },
      { from: 2, to: 3 },
    ]);
    expect(partsFor({ from: 7, to: 8 }, 900_000, 1000, 16)).toEqual([{ from: 7, to: 8 }]);
  });
});

describe('what a bucket selects on the server', () => {
  it('is exclusive on second-precision endpoints, the bounds the request sends', () => {
    expect(serverInterval(jiraIssuesStream.cursor.filter, { from: 100, to: 200 })).toEqual({
      lower: 99,
      upper: 200,
      inclusive: false,
    });
  });

  it('is inclusive on CI/CD, whose bounds are strings read as >= and <=', () => {
    expect(serverInterval(cicdJobRunsStream.cursor.filter, { from: 100, to: 200 })).toEqual({
      lower: 100,
      upper: 200,
      inclusive: true,
    });
  });
});
