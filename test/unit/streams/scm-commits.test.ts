import { describe, expect, it } from 'vitest';
import { NoteList } from '../../../src/normalize/field-notes.js';
import { commitKey, scmCommitsStream } from '../../../src/streams/scm-commits.js';
import { at, commitRecord, without } from './records.js';

function ok(record: Record<string, unknown>) {
  const result = scmCommitsStream.normalize(record, new NoteList());
  if (!result.ok) throw new Error(result.reason);
  return result.row;
}

describe('scm_commits normalize', () => {
  it('maps a commit to its row, keyed by id', () => {
    const record = commitRecord();
    expect(ok(record)).toEqual({
      commit_key: '9d7e1c3b-5a2f-4b8e-a1c9-3f6d2e8b7a50',
      id: '9d7e1c3b-5a2f-4b8e-a1c9-3f6d2e8b7a50',
      integration_id: '4012',
      commit_sha: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
      repo_ids: ['acme/web'],
      project: 'acme/web',
      vcs_type: 'GIT',
      branch: 'main',
      author: 'ada-l',
      author_id: '5b8a4c1e-9f2d-4e3a-8b7c-6d5e4f3a2b1c',
      committer: 'web-flow',
      committer_id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      message: 'Fix race in retry handler',
      additions: 40,
      deletions: 12,
      changes: 52,
      files_count: 3,
      commit_url: null,
      committed_at: at(1_700_000_000),
      commit_pushed_at: at(1_700_000_600),
      ingested_at: at(1_699_920_000),
      created_at: at(1_700_003_000),
      raw: record,
    });
  });

  it('falls back to integration_id:commit_sha without an id', () => {
    const record = without(commitRecord(), 'id');
    expect(ok(record).commit_key).toBe('4012:a94a8fe5ccb19ba61c4c0873d391e987982fbbd3');
    expect(ok(record).id).toBeNull();
    expect(ok({ ...record, id: null }).commit_key).toBe('4012:a94a8fe5ccb19ba61c4c0873d391e987982fbbd3');
    expect(scmCommitsStream.recordKey(record)).toBe('4012:a94a8fe5ccb19ba61c4c0873d391e987982fbbd3');
  });

  it('rejects a wrong-typed id, and a commit with neither key', () => {
    expect(commitKey({ ...commitRecord(), id: { uuid: 'x' } })).toEqual({
      ok: false,
      reason: 'key field id is an object',
    });
    expect(commitKey({ integration_id: '4012' })).toEqual({
      ok: false,
      reason: 'key field id is missing and key field commit_sha is missing',
    });
  });

  it('copes with string counts, ms times, zero times and wrong types', () => {
    const row = ok({
      id: 'c1',
      additions: '40',
      deletions: 'many',
      committed_at: 1_700_000_000_000,
      commit_pushed_at: 0,
      repo_id: 'acme/web',
      message: 42,
    });
    expect(row.additions).toBe(40);
    expect(row.deletions).toBeNull();
    expect(row.committed_at).toEqual(at(1_700_000_000));
    expect(row.commit_pushed_at).toBeNull();
    expect(row.repo_ids).toEqual(['acme/web']);
    expect(row.message).toBe('42');
    expect(row.author).toBeNull();
  });
});
