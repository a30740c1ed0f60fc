import { describe, expect, it } from 'vitest';
import { NoteList } from '../../../src/streams/field-notes.js';
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
    if (stream.mode === 'incremental') expect(row[stream.cursor.column]).toBeInstanceOf(Date);
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
      expect(stream.sort.length).toBe(1);
      if (stream.mode === 'incremental')
        expect(stream.sort[0]).toEqual({
          id: stream.cursor.filter.field,
          desc: stream.cursor.serverOrder === 'desc',
        });
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
    expect(fullRefresh).toEqual(['org_users', 'org_units', 'collection_categories']);
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
