import { describe, expect, it } from 'vitest';
import { NoteList } from '../../../src/normalize/field-notes.js';
import { scmPullRequestsStream } from '../../../src/streams/scm-pull-requests.js';
import { at, pullRequestRecord } from './records.js';

function ok(record: Record<string, unknown>) {
  const result = scmPullRequestsStream.normalize(record, new NoteList());
  if (!result.ok) throw new Error(result.reason);
  return result.row;
}

describe('scm_pull_requests normalize', () => {
  it('maps a merged PR to its row (string number and lines_added as numbers)', () => {
    const record = pullRequestRecord();
    expect(ok(record)).toEqual({
      id: '0c8e6f52-41a7-4a4e-8d55-2f0f5d1b6c3a',
      integration_id: '4012',
      repo_ids: ['acme/api'],
      project: 'acme/api',
      number: 1234,
      title: 'auth: speed up auth',
      state: 'merged',
      merged: true,
      creator: 'ada-l',
      creator_id: '5b8a4c1e-9f2d-4e3a-8b7c-6d5e4f3a2b1c',
      merge_sha: null,
      source_branch: 'feature/auth-7',
      target_branch: 'main',
      assignees: ['ada-l'],
      assignee_ids: null,
      reviewers: ['grace-h', 'linus-t'],
      reviewer_ids: null,
      approvers: ['grace-h'],
      approver_ids: null,
      labels: ['auth'],
      commit_shas: null,
      lines_added: 120,
      lines_deleted: 30,
      lines_changed: 150,
      files_count: 7,
      comment_count: 4,
      commits_count: 3,
      pr_created_at: at(1_700_000_000),
      pr_updated_at: at(1_700_050_000),
      pr_merged_at: at(1_700_050_000),
      pr_closed_at: at(1_700_050_000),
      first_review_at: at(1_700_010_000),
      raw: record,
    });
  });

  it('treats 0 as "not yet" for merge, close and first review', () => {
    const row = ok({
      ...pullRequestRecord(),
      state: 'open',
      pr_merged_at: 0,
      pr_closed_at: '0',
      first_review_at: 0,
    });
    expect(row.pr_merged_at).toBeNull();
    expect(row.pr_closed_at).toBeNull();
    expect(row.first_review_at).toBeNull();
  });

  it('copes with odd types', () => {
    const row = ok({
      id: 'p1',
      repo_id: 'acme/web',
      number: 'PR-7',
      lines_added: '12.5',
      merged: 'true',
      files_ct: '3',
      reviewers: [{ login: 'x' }],
      pr_updated_at: 1_700_050_000_000,
    });
    expect(row.repo_ids).toEqual(['acme/web']);
    expect(row.number).toBeNull();
    expect(row.lines_added).toBeNull();
    expect(row.merged).toBe(true);
    expect(row.files_count).toBe(3);
    expect(row.reviewers).toBeNull();
    expect(row.pr_updated_at).toEqual(at(1_700_050_000));
    expect(row.title).toBeNull();
  });

  it('rejects a PR without a usable id', () => {
    expect(scmPullRequestsStream.normalize({ ...pullRequestRecord(), id: '' }, new NoteList())).toEqual({
      ok: false,
      reason: 'key field id is a blank string',
    });
  });
});
