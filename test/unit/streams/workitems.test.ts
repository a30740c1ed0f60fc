import { describe, expect, it } from 'vitest';
import { NoteList } from '../../../src/normalize/field-notes.js';
import { workitemsStream } from '../../../src/streams/workitems.js';
import { at, without, workitemRecord } from './records.js';

function ok(record: Record<string, unknown>) {
  const result = workitemsStream.normalize(record, new NoteList());
  if (!result.ok) throw new Error(result.reason);
  return result.row;
}

describe('workitems normalize', () => {
  it('maps a work item to its row', () => {
    const record = workitemRecord();
    expect(ok(record)).toEqual({
      integration_id: '4100',
      workitem_id: '1042',
      id: '7f3c2a9e-2b1d-4c6e-9a0f-1e2d3c4b5a69',
      project: 'contoso/Payments',
      summary: 'Fix invoice export',
      status: 'Active',
      status_category: 'In Progress',
      workitem_type: 'Bug',
      priority: '2',
      assignee: 'Ada Lovelace',
      assignee_id: null,
      reporter: 'Grace Hopper',
      reporter_id: null,
      epic: '117',
      parent_workitem_id: '1001',
      story_points: 3,
      resolution: null,
      is_active: null,
      desc_size: null,
      hops: null,
      bounces: null,
      num_attachments: null,
      original_estimate: null,
      workitem_created_at: at(1_700_000_000),
      workitem_updated_at: at(1_700_086_400),
      workitem_resolved_at: null,
      workitem_due_at: null,
      first_comment_at: at(1_700_003_600),
      ingested_at: at(1_700_006_400),
      labels: ['customer'],
      fix_versions: null,
      versions: null,
      components: null,
      sprint_ids: null,
      custom_fields: {},
      attributes: { area_path: 'contoso\\Payments', iteration: 'Sprint 12' },
      sprint_full_names: null,
      raw: record,
    });
    expect(workitemsStream.recordKey(record)).toBe('4100:1042');
  });

  it("reads SEI's `story_point` spelling and string numbers", () => {
    const record = without(workitemRecord(), 'story_points');
    expect(ok({ ...record, story_point: '5' }).story_points).toBe(5);
  });

  it('copes with ms times, zero times and wrong types', () => {
    const row = ok({
      integration_id: '4100',
      workitem_id: 7,
      workitem_updated_at: '1700086400000',
      workitem_resolved_at: '0',
      is_active: 1,
      sprint_ids: ['s1', 's2'],
    });
    expect(row.workitem_id).toBe('7');
    expect(row.workitem_updated_at).toEqual(at(1_700_086_400));
    expect(row.workitem_resolved_at).toBeNull();
    expect(row.is_active).toBeNull();
    expect(row.sprint_ids).toEqual(['s1', 's2']);
  });

  it('rejects a work item without both key fields', () => {
    expect(workitemsStream.normalize({ workitem_id: '1', id: 'uuid' }, new NoteList())).toEqual({
      ok: false,
      reason: 'key field integration_id is missing',
    });
  });
});
