import { describe, expect, it } from 'vitest';
import { NoteList } from '../../../src/normalize/field-notes.js';
import { getStream, parseStreamList, STREAMS, UnknownStreamError } from '../../../src/streams/registry.js';
import { STREAM_NAMES, type StreamDefinition } from '../../../src/streams/types.js';
import { REALISTIC_RECORDS } from './records.js';

const definitions: [string, StreamDefinition][] = Object.entries(STREAMS);

function normalizedRow(stream: StreamDefinition) {
  const result = stream.normalize(REALISTIC_RECORDS[stream.name](), new NoteList());
  if (!result.ok) throw new Error(`${stream.name}: ${result.reason}`);
  return result;
}

describe('stream registry', () => {
  it('defines every stream name, each under its own name', () => {
    expect(Object.keys(STREAMS)).toEqual([...STREAM_NAMES]);
    for (const [name, stream] of definitions) expect(stream.name).toBe(name);
  });

  it.each(definitions)(
    '%s: key and cursor columns exist in the table spec, key columns NOT NULL',
    (_, stream) => {
      const columns = new Map(stream.table.columns.map((column) => [column.name, column]));
      expect(stream.table.key.length).toBeGreaterThan(0);
      for (const key of stream.table.key) expect(columns.get(key)?.notNull, key).toBe(true);
      expect(columns.get('raw')).toEqual({ name: 'raw', type: 'jsonb', notNull: true });
      if (stream.mode === 'incremental') expect(columns.get(stream.cursor.column)?.type).toBe('timestamptz');
      const names = stream.table.columns.map((column) => column.name);
      expect(new Set(names).size, 'duplicate column').toBe(names.length);
    },
  );

  it.each(definitions)('%s: a realistic record normalizes to exactly the spec columns', (_, stream) => {
    const { row, children } = normalizedRow(stream);
    expect(Object.keys(row).sort()).toEqual(stream.table.columns.map((column) => column.name).sort());
    for (const key of stream.table.key) expect(typeof row[key], key).toBe('string');
    if (stream.mode === 'incremental') expect(Number.isSafeInteger(row[stream.cursor.column])).toBe(true);
    expect(Object.keys(children).sort()).toEqual(stream.children.map((child) => child.name).sort());
    for (const child of stream.children) {
      const rows = children[child.name] ?? [];
      expect(rows.length, child.name).toBeGreaterThan(0);
      for (const childRow of rows) {
        expect(Object.keys(childRow).sort()).toEqual(child.columns.map((column) => column.name).sort());
        for (const [i, column] of child.parentKey.entries()) {
          expect(childRow[column]).toBe(row[stream.table.key[i] as string]);
        }
      }
    }
  });

  it.each(definitions)(
    '%s: recordKey is the row key, and normalize leaves the record untouched',
    (_, stream) => {
      const record = REALISTIC_RECORDS[stream.name]();
      const copy = structuredClone(record);
      const { row } = normalizedRow(stream);
      expect(stream.recordKey(record)).toBe(stream.table.key.map((key) => row[key]).join(':'));
      stream.normalize(record, new NoteList());
      expect(record).toEqual(copy);
      expect(row.raw).toEqual(copy);
    },
  );

  it.each(definitions)('%s: a record without its key is rejected with a one-line reason', (_, stream) => {
    const result = stream.normalize({}, new NoteList());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^[^\n]+$/);
    expect(stream.recordKey({})).toBeUndefined();
  });

  it.each(definitions)(
    '%s: sorts explicitly, incremental streams by their cursor field in the order the server applies',
    (_, stream) => {
      // One key (the servers keep one), or the cursor then `id` where every key is applied (CI/CD tests).
      expect(stream.sort.length).toBeGreaterThanOrEqual(1);
      if (stream.sort.length > 1) expect(stream.sort.slice(1)).toEqual([{ id: 'id', desc: false }]);
      if (stream.mode === 'incremental')
        expect(stream.sort[0]).toEqual({
          id: stream.cursor.filter.field,
          desc: stream.cursor.serverOrder === 'desc',
        });
    },
  );

  it.each(definitions)(
    '%s: the cursor field and the sort are read by the time walk as declared',
    (_, stream) => {
      if (stream.mode !== 'incremental') return;
      const record = REALISTIC_RECORDS[stream.name]();
      expect(record[stream.cursor.recordField], 'the realistic record carries the cursor').toBeDefined();
      // A ms record field is no seconds field: the unit must match how big the value is.
      const value = Number(record[stream.cursor.recordField]);
      expect(value > 1e11).toBe(stream.cursor.recordUnit === 'ms');
    },
  );

  it('declares the endpoint quirks', () => {
    expect(STREAMS.jira_issues.maxPageSize).toBe(10_000);
    expect(STREAMS.org_users.hasNext).toBe('total_exceeds_page');
    // DefaultListRequest binds page_size only; the documented route is tried first, then the server's.
    expect(STREAMS.collection_categories.pageSizeParam).toBe('page_size');
    expect(STREAMS.collection_categories.path).toBe('/v1/org/workspaces/units/list');
    expect(STREAMS.collection_categories.alternativePaths).toEqual([
      '/v1/org/groups/list',
      '/v1/org/categories/list',
    ]);
    // Request shapes the server's parsers take: CI/CD strings (inclusive), integrations numbers.
    expect(STREAMS.cicd_job_runs.mode === 'incremental' && STREAMS.cicd_job_runs.cursor.filter).toEqual({
      field: 'end_time',
      boundType: 'string',
      inclusive: true,
    });
    expect(STREAMS.cicd_job_runs.extraBody).toEqual({ across: 'job_status' });
    expect(STREAMS.integrations.mode === 'incremental' && STREAMS.integrations.cursor.filter.boundType).toBe(
      'number',
    );
    // Commits are walked by ingest time: a commit pushed late keeps an old committed_at.
    expect(STREAMS.scm_commits.mode === 'incremental' && STREAMS.scm_commits.cursor.recordField).toBe(
      'created_at',
    );
    const fullRefresh = definitions.filter(([, s]) => s.mode === 'full_refresh').map(([name]) => name);
    expect(fullRefresh).toEqual([
      'org_users',
      'org_units',
      'collection_categories',
      'jira_sprints',
      'jira_fields',
      'jira_projects',
      'workitem_sprints',
      'cicd_instances',
      'cicd_jobs',
      'pagerduty_incidents',
      'pagerduty_alerts',
      'products',
      'workflow_profiles',
    ]);
  });

  it('declares the quirks of the streams added since (issue 14)', () => {
    const cursorOf = (name: 'user_identities' | 'scm_issues' | 'cicd_job_run_tests') => {
      const stream = STREAMS[name];
      if (stream.mode !== 'incremental') throw new Error(`${name} is not incremental`);
      return stream.cursor;
    };
    // Map<String,String> bounds (strings), exclusive; tests carry the run's ms times.
    expect(cursorOf('user_identities').filter).toEqual({
      field: 'updated_at',
      boundType: 'string',
      inclusive: false,
    });
    expect(cursorOf('cicd_job_run_tests')).toMatchObject({
      filter: { field: 'end_time', boundType: 'string', inclusive: false },
      recordUnit: 'ms',
    });
    expect(cursorOf('scm_issues').filter).toEqual({
      field: 'issue_updated_at',
      boundType: 'number',
      inclusive: false,
    });
    // Every key is applied on CI/CD tests: `id` breaks the ties of tests sharing their run's end.
    expect(STREAMS.cicd_job_run_tests.sort).toEqual([
      { id: 'end_time', desc: false },
      { id: 'id', desc: false },
    ]);
    // Work items carry their sprints only when asked.
    expect(STREAMS.workitems.baseFilter).toEqual({ include_sprint_full_names: true });
    // The jobs endpoint fails in the server's code: derived from job runs instead.
    expect(STREAMS.cicd_jobs.fallback).toMatchObject({ statuses: [500, 404], from: 'cicd_job_runs' });
    expect(STREAMS.pagerduty_alerts.stableRecord).toBeTypeOf('function');
    expect(STREAMS.scm_issues.table.key).toEqual(['integration_id', 'repo_id', 'project', 'issue_id']);
    expect(STREAMS.jira_projects.table.key).toEqual(['integration_id', 'cloud_id']);
  });

  it('getStream returns a definition and names the valid ones for an unknown stream', () => {
    expect(getStream('jira_issues')).toBe(STREAMS.jira_issues);
    expect(() => getStream('jira')).toThrow(UnknownStreamError);
    expect(() => getStream('jira')).toThrow(
      /^unknown stream: jira \(valid: integrations, jira_issues, .*\)$/,
    );
  });

  it('parseStreamList trims, de-duplicates and keeps registry order', () => {
    expect(parseStreamList('org_users, jira_issues,,jira_issues ')).toEqual(['jira_issues', 'org_users']);
  });

  it('parseStreamList names every unknown stream on one line', () => {
    let error: unknown;
    try {
      parseStreamList('jira_issues,prs,commits,prs');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnknownStreamError);
    expect((error as UnknownStreamError).code).toBe('SEI_SYNC_ERR_UNKNOWN_STREAM');
    expect((error as Error).message).toBe(
      `unknown streams: prs, commits (valid: ${STREAM_NAMES.join(', ')})`,
    );
    expect(() => parseStreamList(' , ')).toThrow(/^no stream named \(valid: /);
  });
});
