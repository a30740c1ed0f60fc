import { describe, expect, it } from 'vitest';
import { NoteList } from '../../../src/normalize/field-notes.js';
import { memberUserIds, orgUnitsStream } from '../../../src/streams/org-units.js';
import { orgUnitRecord, without } from './records.js';

function ok(record: Record<string, unknown>) {
  const result = orgUnitsStream.normalize(record, new NoteList());
  if (!result.ok) throw new Error(result.reason);
  return result.row;
}

describe('org_units normalize', () => {
  it('maps the documented collection to its row', () => {
    const record = orgUnitRecord();
    expect(ok(record)).toEqual({
      id: '79',
      ou_id: 'e1dc905b-1111-4222-8333-444455556666',
      name: 'Frontend',
      path: '/All Teams/Frontend',
      parent_ref_id: '76',
      version: '2',
      ou_category_id: 'ffaea171-7777-4888-9999-aaaabbbbcccc',
      workspace_id: '34',
      managers: [
        { id: '4b1e8f0a-6c2d-4e3f-9a8b-7c6d5e4f3a2b', full_name: 'Ada Lovelace', email: 'ada@example.com' },
      ],
      admins: [],
      tags: ['team'],
      member_user_ids: ['u-1', 'u-2'],
      sections: [],
      no_of_dashboards: 0,
      default_dashboard_id: '0',
      created_at: 1_710_947_467_896,
      updated_at: null,
      raw: record,
    });
  });

  it('collects members from the default section and every section, once each', () => {
    expect(
      memberUserIds(
        {
          default_section: { users: ['b', 'a'] },
          sections: [{ users: ['c', 'a'] }, { integrations: {} }, 'junk'],
        },
        new NoteList(),
      ),
    ).toEqual(['a', 'b', 'c']);
    expect(memberUserIds({ sections: [] }, new NoteList())).toBeNull();
    const notes = new NoteList();
    expect(memberUserIds({ default_section: { users: [{ id: 'x' }] } }, notes)).toBeNull();
    expect(notes.notes).toEqual([
      {
        field: 'default_section.users',
        action: 'nulled_wrong_type',
        detail: 'element 0 is an object, not text',
      },
    ]);
  });

  it('keeps a root unit (no parent) and takes a numeric id', () => {
    const root = without({ ...orgUnitRecord(), id: 76, path: '/All Teams' }, 'parent_ref_id');
    const row = ok(root);
    expect(row.id).toBe('76');
    expect(row.parent_ref_id).toBeNull();
    expect(orgUnitsStream.recordKey(root)).toBe('76');
  });

  it('copes with wrong types and seconds for milliseconds', () => {
    const row = ok({ id: '80', managers: 'ada', tags: 'team', created_at: 1_710_947_467, version: 2 });
    expect(row.managers).toBeNull();
    expect(row.tags).toEqual(['team']);
    expect(row.created_at).toEqual(1_710_947_467_000);
    expect(row.version).toBe('2');
    expect(row.member_user_ids).toBeNull();
  });

  it('rejects a unit without a ref id', () => {
    expect(orgUnitsStream.normalize({ ou_id: 'e1dc905b' }, new NoteList())).toEqual({
      ok: false,
      reason: 'key field id is missing',
    });
  });
});
