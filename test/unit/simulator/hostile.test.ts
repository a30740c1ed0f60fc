import { describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../../src/normalize/record.js';
import { Dataset, LARGE_STREAMS } from '../../../src/simulator/dataset.js';
import { HOSTILE_KINDS, type HostileKind, hostileKindOf } from '../../../src/simulator/hostile.js';
import { STREAMS } from '../../../src/streams/registry.js';
import { STREAM_NAMES } from '../../../src/streams/types.js';

const SEED = 3;
const clean = new Dataset({ seed: SEED, records: 1000 });
const hostile = new Dataset({ seed: SEED, records: 1000, hostile: 0.1 });

/**
 * Fields the simulator filters and sorts on: a hostile record must keep them, or the walk would miss
 * it. Keys aside: the key kinds change them on purpose.
 */
function walkFields(stream: (typeof STREAM_NAMES)[number]): string[] {
  const generator = clean.state(stream).generator;
  const keyFields = ['key', 'workitem_id', 'id', 'sprint_id', 'field_key', 'cloud_id', 'issue_id'];
  return [
    ...Object.keys(generator.fastFields),
    ...Object.keys(generator.timeFilters),
    ...(generator.updatedAt ? [generator.updatedAt.field] : []),
    ...(generator.integrationField ? [generator.integrationField] : []),
  ].filter((field) => !keyFields.includes(field));
}

describe('hostile records in the simulator', () => {
  it('are off by default', () => {
    const zero = new Dataset({ seed: SEED, records: 1000, hostile: 0 });
    for (const stream of STREAM_NAMES) expect(zero.records(stream)).toEqual(clean.records(stream));
  });

  it('make about the requested share of each large stream hostile, the same ones every time', () => {
    const again = new Dataset({ seed: SEED, records: 1000, hostile: 0.1 });
    for (const stream of LARGE_STREAMS) {
      const records = hostile.records(stream);
      const before = clean.records(stream);
      const changed = records.filter((record, i) => JSON.stringify(record) !== JSON.stringify(before[i]));
      expect(changed.length).toBeGreaterThan(60);
      expect(changed.length).toBeLessThan(140);
      expect(JSON.stringify(again.records(stream))).toBe(JSON.stringify(records));
    }
  });

  it('leave clean records alone, and every field the walk filters and sorts on', () => {
    for (const stream of STREAM_NAMES) {
      const before = clean.records(stream);
      hostile.records(stream).forEach((record, ordinal) => {
        if (hostileKindOf(stream, ordinal, { seed: SEED, fraction: 0.1 }) === undefined)
          expect(record).toEqual(before[ordinal]);
        else for (const field of walkFields(stream)) expect(record[field]).toEqual(before[ordinal]?.[field]);
      });
    }
  });

  it('cover every kind, each changing the record', () => {
    const seen = new Map<HostileKind, number>();
    for (const stream of LARGE_STREAMS) {
      const before = clean.records(stream);
      hostile.records(stream).forEach((record, ordinal) => {
        const kind = hostileKindOf(stream, ordinal, { seed: SEED, fraction: 0.1 });
        if (kind === undefined) return;
        expect(JSON.stringify(record)).not.toBe(JSON.stringify(before[ordinal]));
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
      });
    }
    expect([...seen.keys()].sort()).toEqual(Object.keys(HOSTILE_KINDS).sort());
  });

  it('land or are rejected as their kind declares, in every stream', () => {
    for (const stream of STREAM_NAMES) {
      hostile.records(stream).forEach((record, ordinal) => {
        const kind = hostileKindOf(stream, ordinal, { seed: SEED, fraction: 0.1 });
        if (kind === undefined) return;
        const outcome = normalizeRecord(STREAMS[stream], record);
        expect({ stream, kind, outcome: outcome.ok ? 'lands' : 'rejected' }).toEqual({
          stream,
          kind,
          outcome: HOSTILE_KINDS[kind].outcome,
        });
      });
    }
  });

  it('travel as JSON text and parse back to the same values (NUL and lone surrogates are escaped)', () => {
    const state = hostile.state('jira_issues');
    for (let ordinal = 0; ordinal < state.size; ordinal++) {
      if (hostileKindOf('jira_issues', ordinal, { seed: SEED, fraction: 0.1 }) === undefined) continue;
      const text = state.json(ordinal).toString('utf8');
      expect(JSON.parse(text)).toEqual(state.record(ordinal));
    }
  });

  it('refuse a share outside [0, 1]', () => {
    expect(() => new Dataset({ seed: 1, records: 10, hostile: 1.5 })).toThrow(RangeError);
    expect(() => new Dataset({ seed: 1, records: 10, hostile: Number.NaN })).toThrow(RangeError);
  });
});
