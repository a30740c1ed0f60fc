/**
 * The simulator generates records from sei-api.md independently of the normalizers: every record it
 * serves must normalize, keep its key unique, and fill the columns BI relies on. A field renamed on
 * one side and not the other shows up here as a column that is always null.
 */
import { describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../../src/normalize/record.js';
import { Dataset } from '../../../src/simulator/dataset.js';
import { endpointOf } from '../../../src/simulator/endpoints.js';
import { STREAMS } from '../../../src/streams/registry.js';
import type { Row, StreamName } from '../../../src/streams/types.js';

const dataset = new Dataset({ seed: 7, records: 400 });

/** Columns the simulator has no data for (SEI fields it does not generate); every other column must be filled somewhere. */
const NOT_GENERATED: Partial<Record<StreamName, readonly string[]>> = {
  integrations: ['authentication'],
  jira_issues: ['id', 'assignee_id', 'reporter_id'],
  workitems: [
    'assignee_id',
    'reporter_id',
    'resolution',
    'is_active',
    'desc_size',
    'hops',
    'bounces',
    'num_attachments',
    'original_estimate',
    'fix_versions',
    'versions',
    'components',
    'sprint_ids',
  ],
  scm_pull_requests: ['merge_sha', 'assignee_ids', 'reviewer_ids', 'approver_ids', 'commit_shas'],
  scm_commits: ['commit_url'],
  cicd_job_runs: ['instance_guid', 'project_name', 'scm_url'],
  org_units: ['updated_at'],
  collection_categories: ['root_ou_id'],
  // The endpoint's records are `{id, name}`; the other columns are for rows derived from job runs.
  cicd_jobs: ['job_normalized_full_name', 'project_name', 'integration_id', 'instance_name', 'derived_from'],
};

describe.each(Object.values(STREAMS).map((stream) => [stream.name, stream] as const))(
  'simulator records of %s',
  (name, stream) => {
    const records = dataset.records(name);
    const outcomes = records.map((record) => normalizeRecord(stream, record));
    const rows: Row[] = outcomes.map((result, i) => {
      if (!result.ok) throw new Error(`${name}: ${result.reason}: ${JSON.stringify(records[i])}`);
      return result.row;
    });

    /** The records at an instant before 1970 (as in the SEI server's own data): typed as none, noted. */
    const before1970 = (i: number) =>
      stream.mode === 'incremental' && Number(records[i]?.[stream.cursor.recordField]) < 0;

    it('all normalize as sent: no value changed, nothing noted but an instant before 1970', () => {
      const noted = outcomes.flatMap((outcome, i) =>
        outcome.notes.length > 0 ? [{ i, notes: outcome.notes }] : [],
      );
      for (const { i, notes } of noted) {
        expect(before1970(i), JSON.stringify(notes)).toBe(true);
        expect(notes.map((note) => [note.field, note.action])).toEqual([
          [stream.mode === 'incremental' ? stream.cursor.recordField : '', 'nulled_out_of_range'],
        ]);
      }
      for (const [i, outcome] of outcomes.entries()) expect(outcome.record).toBe(records[i]);
    });

    it('all normalize, with distinct keys', () => {
      expect(rows.length).toBeGreaterThan(0);
      const keys = new Set(records.map((record) => stream.recordKey(record)));
      expect(keys.size).toBe(records.length);
    });

    it('fill every column the simulator generates', () => {
      const skipped = NOT_GENERATED[name] ?? [];
      const empty = stream.table.columns
        .map((column) => column.name)
        .filter((column) => !skipped.includes(column))
        .filter((column) => rows.every((row) => row[column] === null));
      expect(empty).toEqual([]);
    });

    it('fill the cursor column whenever the record has the filter field', () => {
      if (stream.mode !== 'incremental') return;
      const { recordField, column } = stream.cursor;
      records.forEach((record, i) => {
        if (record[recordField] !== undefined && !before1970(i))
          expect(Number.isSafeInteger(rows[i]?.[column])).toBe(true);
      });
    });

    it('are served with the paging the definition declares', () => {
      const endpoint = endpointOf(name);
      expect([stream.path, ...(stream.alternativePaths ?? [])]).toContain(endpoint.paths[0]);
      expect(endpoint.pageSizeParam).toBe(stream.pageSizeParam);
      expect(endpoint.hasNext).toBe(stream.hasNext);
      expect(endpoint.maxPageSize).toBe(stream.maxPageSize);
    });
  },
);
