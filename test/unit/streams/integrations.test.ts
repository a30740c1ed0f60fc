import { describe, expect, it } from 'vitest';
import { NoteList } from '../../../src/normalize/field-notes.js';
import { integrationsStream } from '../../../src/streams/integrations.js';
import { at, integrationRecord } from './records.js';

function ok(record: Record<string, unknown>) {
  const result = integrationsStream.normalize(record, new NoteList());
  if (!result.ok) throw new Error(result.reason);
  return result.row;
}

describe('integrations normalize', () => {
  it('maps an integration to its row (times in seconds)', () => {
    const record = integrationRecord();
    expect(ok(record)).toEqual({
      id: '4012',
      name: 'GitHub Cloud',
      description: 'acme org on github.com',
      application: 'github',
      url: 'https://api.github.com',
      status: 'ACTIVE',
      satellite: false,
      authentication: 'oauth',
      tags: ['prod'],
      metadata: { timezone: 'UTC', fetch_commits: true },
      created_at: at(1_650_000_000),
      updated_at: at(1_710_000_000),
      raw: record,
    });
  });

  it('copes with ms times, numeric ids and wrong types', () => {
    const row = ok({
      id: 4012,
      updated_at: 1_710_000_000_000,
      created_at: 0,
      satellite: 'false',
      metadata: [],
    });
    expect(row.id).toBe('4012');
    expect(row.updated_at).toEqual(at(1_710_000_000));
    expect(row.created_at).toBeNull();
    expect(row.satellite).toBe(false);
    expect(row.metadata).toBeNull();
  });

  it('rejects an integration without an id', () => {
    expect(integrationsStream.normalize({ name: 'x', id: 4.5 }, new NoteList())).toEqual({
      ok: false,
      reason: 'key field id is the number 4.5',
    });
  });
});
