import { describe, expect, it } from 'vitest';
import type { FullRefreshStream, IncrementalStream } from '../../../src/streams/types.js';
import { planWalk, walkFilter } from '../../../src/sync/walk-plan.js';

const base = {
  path: '/v1/things/list',
  sort: [{ id: 'updated_at', desc: false }],
  pageSizeParam: 'page_size',
  hasNext: 'page_full',
  table: { schema: 'sei', name: 'things', key: ['id'], columns: [] },
  children: [],
  recordKey: () => 'k',
  normalize: () => ({ ok: false as const, reason: 'unused' }),
} as const;
const incremental: IncrementalStream = {
  ...base,
  name: 'integrations',
  mode: 'incremental',
  cursor: { filterField: 'updated_at', column: 'updated_at' },
  baseFilter: { integration_ids: ['1'] },
};
const fullRefresh: FullRefreshStream = { ...base, name: 'org_units', mode: 'full_refresh' };

const now = new Date('2026-11-26T12:00:00Z');
const options = { fullRefresh: false, now, lookbackSeconds: 3600 };

describe('planWalk', () => {
  it('walks everything up to now on the first run', () => {
    expect(planWalk(incremental, undefined, options)).toEqual({
      startPage: 0,
      resumed: false,
      windowStart: null,
      windowEnd: now,
    });
  });

  it('starts a lookback before the cursor afterwards', () => {
    const cursor = new Date('2026-11-25T12:00:00Z');
    const plan = planWalk(
      incremental,
      { cursor, nextPage: null, windowStart: null, windowEnd: null },
      options,
    );
    expect(plan.windowStart).toEqual(new Date('2026-11-25T11:00:00Z'));
    expect(plan.windowEnd).toEqual(now);
  });

  it('resumes an interrupted walk at its next page with its original window', () => {
    const checkpoint = {
      cursor: null,
      nextPage: 7,
      windowStart: new Date('2026-11-01T00:00:00Z'),
      windowEnd: new Date('2026-11-20T00:00:00Z'),
    };
    expect(planWalk(incremental, checkpoint, options)).toEqual({
      startPage: 7,
      resumed: true,
      windowStart: checkpoint.windowStart,
      windowEnd: checkpoint.windowEnd,
    });
  });

  it('ignores cursor and page checkpoint on a full refresh', () => {
    const checkpoint = {
      cursor: new Date('2026-11-25T00:00:00Z'),
      nextPage: 3,
      windowStart: null,
      windowEnd: null,
    };
    expect(planWalk(incremental, checkpoint, { ...options, fullRefresh: true })).toEqual({
      startPage: 0,
      resumed: false,
      windowStart: null,
      windowEnd: now,
    });
  });

  it('has no window for full-refresh streams', () => {
    expect(planWalk(fullRefresh, undefined, options)).toEqual({
      startPage: 0,
      resumed: false,
      windowStart: null,
      windowEnd: null,
    });
  });
});

describe('walkFilter', () => {
  it('adds an inclusive-by-one-second range in epoch seconds to the base filter', () => {
    const plan = {
      startPage: 0,
      resumed: false,
      windowStart: new Date(1_000_000_000_000),
      windowEnd: new Date(1_000_000_500_000),
    };
    expect(walkFilter(incremental, plan)).toEqual({
      integration_ids: ['1'],
      updated_at: { $gt: 999_999_999, $lt: 1_000_000_501 },
    });
  });

  it('has no lower bound on a first walk, and no range for full-refresh streams', () => {
    expect(
      walkFilter(incremental, {
        startPage: 0,
        resumed: false,
        windowStart: null,
        windowEnd: new Date(2_000_000),
      }),
    ).toEqual({
      integration_ids: ['1'],
      updated_at: { $lt: 2001 },
    });
    expect(
      walkFilter(fullRefresh, { startPage: 0, resumed: false, windowStart: null, windowEnd: null }),
    ).toEqual({});
  });
});
