import { describe, expect, it } from 'vitest';
import { NoteList } from '../../../src/normalize/field-notes.js';
import { integrationUserKeys, orgUserKey, orgUsersStream } from '../../../src/streams/org-users.js';
import { externalUserRecord, orgUserRecord } from './records.js';

function ok(record: Record<string, unknown>) {
  const result = orgUsersStream.normalize(record, new NoteList());
  if (!result.ok) throw new Error(result.reason);
  return result.row;
}

describe('org_users normalize', () => {
  it('maps a contributor to its row, keyed by id', () => {
    const record = orgUserRecord();
    expect(ok(record)).toEqual({
      user_key: '4b1e8f0a-6c2d-4e3f-9a8b-7c6d5e4f3a2b',
      id: '4b1e8f0a-6c2d-4e3f-9a8b-7c6d5e4f3a2b',
      full_name: 'Ada Lovelace',
      email: 'ada@example.com',
      integration_user_ids: record.integration_user_ids,
      integration_user_keys: ['378:712020:c41c2f65-aaaa', '4012:ada-l'],
      additional_fields: { role: 'Staff Engineer' },
      version: '2',
      created_at: 1_715_126_614_000,
      updated_at: 1_715_661_535_000,
      raw: record,
    });
  });

  it('keys External Users (id "0") by their sorted integration identities, keeping id "0"', () => {
    const record = externalUserRecord();
    const row = ok(record);
    expect(row.user_key).toBe('ext:5322:712020:c41c2f65-bbbb');
    expect(row.id).toBe('0');
    expect(row.email).toBe('');
    expect(orgUsersStream.recordKey(record)).toBe('ext:5322:712020:c41c2f65-bbbb');

    const twoIds = (ids: unknown[]) => orgUserKey({ id: '0', integration_user_ids: ids });
    const a = { integration_id: '9', user_id: 'b' };
    const b = { integration_id: '10', user_id: 'a' };
    expect(twoIds([a, b])).toEqual({ ok: true, key: 'ext:10:a,9:b' });
    expect(twoIds([b, a])).toEqual(twoIds([a, b]));
  });

  it('tells two External Users apart, and an external user from a real one', () => {
    const other = {
      ...externalUserRecord(),
      integration_user_ids: [{ integration_id: '5322', user_id: 'x' }],
    };
    expect(ok(other).user_key).not.toBe(ok(externalUserRecord()).user_key);
    expect(ok({ ...orgUserRecord(), id: 42 }).user_key).toBe('42');
  });

  it('rejects users without a usable key', () => {
    const reason = (record: Record<string, unknown>) => {
      const result = orgUsersStream.normalize(record, new NoteList());
      return result.ok ? 'accepted' : result.reason;
    };
    expect(reason({ full_name: 'x' })).toBe('key field id is missing');
    expect(reason({ id: { ref: 1 } })).toBe('key field id is an object');
    expect(reason({ id: '0' })).toBe('external user (id "0") without usable integration_user_ids (missing)');
    expect(reason({ id: '0', integration_user_ids: [] })).toBe(
      'external user (id "0") without usable integration_user_ids (an array)',
    );
    expect(reason({ id: 0, integration_user_ids: [{ integration_id: '1' }] })).toMatch(/^external user/);
  });

  it('copes with seconds for milliseconds, string times and wrong-typed fields', () => {
    const row = ok({
      id: '7',
      created_at: 1_715_126_614,
      updated_at: '1715661535000',
      email: null,
      additional_fields: 'none',
      integration_user_ids: 'nope',
      version: 3,
    });
    expect(row.created_at).toEqual(1_715_126_614_000);
    expect(row.updated_at).toEqual(1_715_661_535_000);
    expect(row.email).toBeNull();
    expect(row.additional_fields).toBeNull();
    expect(row.integration_user_ids).toBeNull();
    expect(row.integration_user_keys).toBeNull();
    expect(row.version).toBe('3');
  });

  it('integrationUserKeys needs both ids of every entry', () => {
    expect(integrationUserKeys([{ integration_id: 1, user_id: 'u' }])).toEqual(['1:u']);
    expect(integrationUserKeys([{ integration_id: '1' }])).toBeNull();
    expect(integrationUserKeys(['1:u'])).toBeNull();
  });
});
