import { describe, expect, it } from 'vitest';
import { NoteList } from '../../../src/normalize/field-notes.js';
import { collectionCategoriesStream } from '../../../src/streams/collection-categories.js';
import { categoryRecord } from './records.js';

function ok(record: Record<string, unknown>) {
  const result = collectionCategoriesStream.normalize(record, new NoteList());
  if (!result.ok) throw new Error(result.reason);
  return result.row;
}

describe('collection_categories normalize', () => {
  it('maps a category to its row', () => {
    const record = categoryRecord();
    expect(ok(record)).toEqual({
      id: 'ffaea171-7777-4888-9999-aaaabbbbcccc',
      name: 'Teams',
      description: 'Engineering teams',
      is_predefined: true,
      enabled: true,
      root_ou_ref_id: '76',
      root_ou_id: null,
      root_ou_name: 'All Teams',
      workspace_id: '34',
      created_at: 1_710_947_467_896,
      updated_at: 1_710_950_000_000,
      raw: record,
    });
  });

  it('copes with omitted and wrong-typed fields', () => {
    const row = ok({ id: 'c2', is_predefined: 'yes', created_at: 0, updated_at: '1710950000' });
    expect(row.is_predefined).toBeNull();
    expect(row.created_at).toBeNull();
    expect(row.updated_at).toEqual(1_710_950_000_000);
    expect(row.name).toBeNull();
  });

  it('rejects a category without an id', () => {
    expect(collectionCategoriesStream.normalize({ name: 'Teams' }, new NoteList())).toEqual({
      ok: false,
      reason: 'key field id is missing',
    });
  });
});
