import { describe, expect, it } from 'vitest';
import { NoteList } from '../../../src/normalize/field-notes.js';
import { normalizeRecord } from '../../../src/normalize/record.js';
import { jiraIssuesStream } from '../../../src/streams/jira-issues.js';
import type { Row } from '../../../src/streams/types.js';
import { at, JIRA_SAMPLE, jiraRecord } from './records.js';

const STATUS = 'jira_issue_status_history';
const ASSIGNEE = 'jira_issue_assignee_history';

function ok(record: Record<string, unknown>) {
  const result = jiraIssuesStream.normalize(record, new NoteList());
  if (!result.ok) throw new Error(result.reason);
  return result;
}

describe('jira_issues normalize', () => {
  it('maps a real record to its row and history rows', () => {
    const record = jiraRecord();
    const { row, children } = ok(record);
    expect(row).toEqual({
      integration_id: '378',
      issue_key: 'LFE-891',
      id: null,
      project: 'LFE',
      summary: '[FE] make paginated calls for sprint_metrics_reports when has_next is true ',
      status: 'IN REVIEW',
      status_category: 'In Progress',
      issue_type: 'BUG',
      priority: 'MEDIUM',
      assignee: 'Karan Cardea',
      assignee_id: null,
      reporter: 'Gustav Emirhan',
      reporter_id: null,
      epic: null,
      parent_key: null,
      story_points: 0,
      resolution: '',
      desc_size: 386,
      hops: 0,
      bounces: 0,
      num_attachments: 0,
      original_estimate: 0,
      issue_created_at: at(1620876071),
      issue_updated_at: at(1620926254),
      issue_resolved_at: null,
      issue_due_at: null,
      first_comment_at: null,
      ingested_at: Date.parse('2021-05-13T00:00:00Z'),
      created_at: at(1620926426),
      labels: [],
      fix_versions: [],
      versions: [],
      components: [],
      custom_fields: { customfield_10020: ['FE20210527'] },
      sprint_ids: null,
      raw: record,
    });
    const parent = { integration_id: '378', issue_key: 'LFE-891' };
    expect(children[STATUS]).toEqual([
      { ...parent, ordinal: 0, status: 'IN REVIEW', start_time: at(1620926254), end_time: at(1620926426) },
      { ...parent, ordinal: 1, status: 'IN PROGRESS', start_time: at(1620895419), end_time: at(1620926254) },
      { ...parent, ordinal: 2, status: 'TODO', start_time: at(1620876071), end_time: at(1620895419) },
    ]);
    expect(children[ASSIGNEE]).toEqual([
      {
        ...parent,
        ordinal: 0,
        assignee: 'Karan Cardea',
        start_time: at(1620894987),
        end_time: at(1620926426),
      },
      {
        ...parent,
        ordinal: 1,
        assignee: 'Pelageya Rakhi',
        start_time: at(1620876071),
        end_time: at(1620894987),
      },
    ]);
    expect(jiraIssuesStream.recordKey(record)).toBe('378:LFE-891');
  });

  it('normalizes all 100 real records as sent: nothing changed, nothing noted', () => {
    for (const record of JIRA_SAMPLE) {
      const outcome = normalizeRecord(jiraIssuesStream, record);
      expect(outcome).toMatchObject({ ok: true, notes: [] });
      expect(outcome.record).toBe(record);
    }
  });

  it('normalizes all 100 real records, with one history row per list entry', () => {
    expect(JIRA_SAMPLE).toHaveLength(100);
    for (const record of JIRA_SAMPLE) {
      const before = JSON.stringify(record);
      const { row, children } = ok(record);
      expect(JSON.stringify(record)).toBe(before);
      expect(row.issue_key).toBe(record.key);
      expect(Number.isSafeInteger(row.issue_updated_at)).toBe(true);
      expect(children[STATUS]).toHaveLength((record.status_list as unknown[]).length);
      expect(children[ASSIGNEE]).toHaveLength((record.assignee_list as unknown[]).length);
    }
    const withEpic = JIRA_SAMPLE.map((r) => ok(r).row).filter((row) => row.epic !== null);
    expect(withEpic).toHaveLength(36);
  });

  it('rejects a record without its key or integration, or with a wrong-typed key', () => {
    const reason = (change: Record<string, unknown>) => {
      const result = jiraIssuesStream.normalize({ ...jiraRecord(), ...change }, new NoteList());
      return result.ok ? 'accepted' : result.reason;
    };
    expect(reason({ key: undefined })).toBe('key field key is missing');
    expect(reason({ key: '' })).toBe('key field key is a blank string');
    expect(reason({ key: { id: 1 } })).toBe('key field key is an object');
    expect(reason({ integration_id: null })).toBe('key field integration_id is null');
    expect(reason({ integration_id: ['378'] })).toBe('key field integration_id is an array');
    expect(jiraIssuesStream.recordKey({ key: 'A-1' })).toBeUndefined();
  });

  it('accepts a numeric integration id as text', () => {
    expect(ok({ ...jiraRecord(), integration_id: 378 }).row.integration_id).toBe('378');
  });

  it('copes with zero times, milliseconds, numeric strings, wrong types and omitted fields', () => {
    const { row } = ok({
      key: 'X-1',
      integration_id: '9',
      issue_updated_at: 1_620_926_254_000,
      issue_created_at: '1620876071',
      issue_resolved_at: '0',
      story_points: '2.5',
      desc_size: 'big',
      priority: { name: 'HIGH' },
      labels: 'solo',
      fix_versions: [{ name: 'v1' }],
      custom_fields: ['not', 'an', 'object'],
      status_list: 'none',
    });
    expect(row.issue_updated_at).toEqual(at(1620926254));
    expect(row.issue_created_at).toEqual(at(1620876071));
    expect(row.issue_resolved_at).toBeNull();
    expect(row.story_points).toBe(2.5);
    expect(row.desc_size).toBeNull();
    expect(row.priority).toBeNull();
    expect(row.labels).toEqual(['solo']);
    expect(row.fix_versions).toBeNull();
    expect(row.custom_fields).toBeNull();
    expect(row.summary).toBeNull();
    expect(row.ingested_at).toBeNull();
  });

  it('takes parent key columns from the issue and numbers history rows densely', () => {
    const { children } = ok({
      key: 'X-2',
      integration_id: '9',
      status_list: [
        'garbage',
        { status: 'DONE', issue_key: 'OTHER-1', integration_id: '1', start_time: 0 },
        null,
        { status: 7, end_time: '1620926426' },
      ],
    });
    expect(children[STATUS] as Row[]).toEqual([
      { integration_id: '9', issue_key: 'X-2', ordinal: 0, status: 'DONE', start_time: null, end_time: null },
      {
        integration_id: '9',
        issue_key: 'X-2',
        ordinal: 1,
        status: '7',
        start_time: null,
        end_time: at(1620926426),
      },
    ]);
    expect(children[ASSIGNEE]).toEqual([]);
  });
});
