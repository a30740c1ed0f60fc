import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SeiRecord } from '../../../src/extract/sei/types.js';
import { Dataset } from '../../../src/simulator/dataset.js';
import { parseFilter, parseSort, QueryError, StreamQueries } from '../../../src/simulator/query.js';
import type { StreamName } from '../../../src/streams/types.js';

let clock = 1_800_000_000_000;
const d = new Dataset({ seed: 21, records: 400, nowMs: () => clock });

/** The reference: filter and sort the materialised records the slow, obvious way. */
function bruteForce(
  stream: StreamName,
  field: string,
  desc: boolean,
  keep: (r: SeiRecord) => boolean,
): string[] {
  const state = d.state(stream);
  const rows: { key: string; value: unknown; ordinal: number }[] = [];
  for (let o = 0; o < state.size; o++) {
    if (!state.isLive(o)) continue;
    const record = state.record(o);
    if (keep(record)) rows.push({ key: state.generator.key(record), value: record[field], ordinal: o });
  }
  const rank = (v: unknown) => (v === undefined ? Number.POSITIVE_INFINITY : (v as number));
  rows.sort((a, b) => (rank(a.value) - rank(b.value)) * (desc ? -1 : 1) || a.ordinal - b.ordinal);
  return rows.map((r) => r.key);
}

function resolved(stream: StreamName, filter: unknown, sort: unknown, semantics: Semantics = LONG): string[] {
  const queries = new StreamQueries(d.state(stream));
  const state = d.state(stream);
  const parsedSort = parseSort(sort);
  const order = queries.resolve(parseFilter(state, filter, semantics), parsedSort);
  return [...order].map((o) => state.generator.key(state.record(o)));
}

/** How Jira, work items, PRs and commits read bounds. */
const LONG = { parser: 'long', inclusive: false } as const;
type Semantics = { parser: 'long'; inclusive: boolean };

describe('simulator queries', () => {
  it('sorts seconds (packed) and milliseconds (comparator) both ways like a brute-force sort', () => {
    for (const desc of [false, true]) {
      expect(resolved('jira_issues', {}, [{ id: 'issue_updated_at', desc }])).toEqual(
        bruteForce('jira_issues', 'issue_updated_at', desc, () => true),
      );
      expect(resolved('cicd_job_runs', {}, [{ id: 'end_time', desc }])).toEqual(
        bruteForce('cicd_job_runs', 'end_time', desc, () => true),
      );
    }
  });

  it('keeps cached columns right across inserts, updates and deletes', () => {
    const queries = new StreamQueries(d.state('scm_commits'));
    const state = d.state('scm_commits');
    const filter = parseFilter(state, { created_at: { $gt: 1_000_000_000 } }, LONG);
    const sort = parseSort([{ id: 'created_at', desc: false }]);
    const before = queries.resolve(filter, sort).length;
    clock += 1000;
    const touched = d.mutate('scm_commits', { insert: 600, update: 5, delete: 7 });
    const order = [...queries.resolve(filter, sort)].map((o) => state.generator.key(state.record(o)));
    expect(order.length).toBe(before + 600 - 7);
    expect(order).toEqual(
      bruteForce('scm_commits', 'created_at', false, (r) => (r.created_at as number) > 1e9),
    );
    // Inserted and re-ingested commits are the newest by ingest time: they come last.
    expect(new Set(order.slice(-605))).toEqual(new Set([...touched.inserted, ...touched.updated]));
  });

  it('applies exclusive bounds and integration ids, and rejects malformed filters and sorts', () => {
    const state = d.state('jira_issues');
    const gt = state.record(10).issue_updated_at as number;
    const keep = (r: SeiRecord) => (r.issue_updated_at as number) > gt && r.integration_id === '378';
    expect(
      resolved('jira_issues', { issue_updated_at: { $gt: gt }, integration_ids: ['378'] }, [
        { id: 'issue_updated_at', desc: false },
      ]),
    ).toEqual(bruteForce('jira_issues', 'issue_updated_at', false, keep));
    expect(() => parseFilter(state, { integration_ids: '378' }, LONG)).toThrow(QueryError);
    expect(() => parseFilter(state, { issue_updated_at: { $gt: 'soon' } }, LONG)).toThrow(QueryError);
    expect(() => parseSort({ id: 'x' })).toThrow(QueryError);
    expect(parseFilter(state, { unknown_field: 1 }, LONG)).toEqual({ ranges: [] });
  });

  it('rewrites requests with ou_ids to the collection integrations, dropping their own integration_ids', () => {
    const state = d.state('jira_issues');
    const rewritten = parseFilter(state, { ou_ids: ['76'], integration_ids: ['379'] }, LONG);
    expect([...(rewritten.integrationIds ?? [])]).toContain('378');
    expect(rewritten.integrationIds?.has('379')).toBe(false);
    const all = resolved('jira_issues', {}, [{ id: 'issue_updated_at', desc: false }]);
    const scoped = resolved('jira_issues', { ou_ids: ['76'] }, [{ id: 'issue_updated_at', desc: false }]);
    expect(scoped.length).toBeGreaterThan(0);
    expect(scoped.length).toBeLessThan(all.length);
  });

  it('a range on the sort field finds the same records as a scan of every record, both ways, at the edges', () => {
    const state = d.state('jira_issues');
    const seconds = [...Array(state.size).keys()].map((o) => state.record(o).issue_updated_at as number);
    const near = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(...seconds).chain((v) => fc.constantFrom(v - 1, v, v + 1)),
    );
    fc.assert(
      fc.property(near, near, fc.boolean(), fc.boolean(), (gt, lt, desc, inclusive) => {
        const bound = { ...(gt !== undefined && { $gt: gt }), ...(lt !== undefined && { $lt: lt }) };
        const keep = (r: SeiRecord) => {
          const v = r.issue_updated_at as number | undefined;
          if (v === undefined) return false;
          const aboveLower = gt === undefined || (inclusive ? v >= gt : v > gt);
          return aboveLower && (lt === undefined || (inclusive ? v <= lt : v < lt));
        };
        const semantics = { parser: 'long', inclusive } as const;
        expect(
          resolved('jira_issues', { issue_updated_at: bound }, [{ id: 'issue_updated_at', desc }], semantics),
        ).toEqual(bruteForce('jira_issues', 'issue_updated_at', desc, keep));
      }),
      { numRuns: 60 },
    );
  });
});
