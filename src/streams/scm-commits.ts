/** `/v1/scm/commits/list`: one row per commit (per repository SEI ingested it from). */
import type { SeiRecord } from '../sei/types.js';
import {
  accept,
  describeValue,
  epochSeconds,
  type FieldNotes,
  joinKey,
  readKeyFields,
  reject,
  toInt,
  toKeyText,
  toText,
  toTextArray,
} from './normalize.js';
import { column, keyColumn, RAW_COLUMN } from './table-spec.js';
import type { IncrementalStream, NormalizeResult, TableSpec } from './types.js';

/**
 * The stored key of a commit: its SEI `id` when it has one, else `<integration_id>:<commit_sha>`.
 *
 * SEI documents `id` as the key with (integration_id, commit_sha) as the fallback. A primary key
 * cannot hold a nullable `id`, so both forms go into the one column `commit_key`. `id` is preferred
 * because SEI stores a commit once per repository: the same sha pushed to a fork has its own id, and
 * keying by sha alone would merge the two. The forms do not collide: SEI ids are UUIDs (no `:`).
 * An `id` that is present (not null) but not a usable key is a wrong-typed key: the record is rejected.
 */
export function commitKey(record: SeiRecord): { ok: true; key: string } | { ok: false; reason: string } {
  if (record.id !== undefined && record.id !== null) {
    const id = toKeyText(record.id);
    return id === undefined
      ? { ok: false, reason: `key field id is ${describeValue(record.id)}` }
      : { ok: true, key: id };
  }
  const fallback = readKeyFields(record, ['integration_id', 'commit_sha']);
  if (fallback.ok) return { ok: true, key: joinKey(fallback.values) };
  return { ok: false, reason: `key field id is ${describeValue(record.id)} and ${fallback.reason}` };
}

export const scmCommitsTable: TableSpec = {
  schema: 'sei',
  name: 'scm_commits',
  key: ['commit_key'],
  columns: [
    keyColumn('commit_key'),
    column('id', 'text'),
    column('integration_id', 'text'),
    column('commit_sha', 'text'),
    column('repo_ids', 'text[]'),
    column('project', 'text'),
    column('vcs_type', 'text'),
    column('branch', 'text'),
    column('author', 'text'),
    column('author_id', 'text'),
    column('committer', 'text'),
    column('committer_id', 'text'),
    column('message', 'text'),
    column('additions', 'integer'),
    column('deletions', 'integer'),
    column('changes', 'integer'),
    column('files_count', 'integer'),
    column('commit_url', 'text'),
    column('committed_at', 'timestamptz'),
    column('commit_pushed_at', 'timestamptz'),
    column('ingested_at', 'timestamptz'),
    // When SEI ingested the commit: the walk's cursor (migration 005 added it; `renormalize` fills old rows).
    column('created_at', 'timestamptz'),
    RAW_COLUMN,
  ],
};

function normalize(record: SeiRecord, notes: FieldNotes): NormalizeResult {
  const key = commitKey(record);
  if (!key.ok) return reject(key.reason);
  return accept({
    commit_key: key.key,
    id: toText(record.id, notes, 'id'),
    integration_id: toText(record.integration_id, notes, 'integration_id'),
    commit_sha: toText(record.commit_sha, notes, 'commit_sha'),
    repo_ids: toTextArray(record.repo_id, notes, 'repo_id'),
    project: toText(record.project, notes, 'project'),
    vcs_type: toText(record.vcs_type, notes, 'vcs_type'),
    branch: toText(record.branch, notes, 'branch'),
    author: toText(record.author, notes, 'author'),
    author_id: toText(record.author_id, notes, 'author_id'),
    committer: toText(record.committer, notes, 'committer'),
    committer_id: toText(record.committer_id, notes, 'committer_id'),
    // SEI cuts messages to 25 characters; stored as received.
    message: toText(record.message, notes, 'message'),
    additions: toInt(record.additions, notes, 'additions'),
    deletions: toInt(record.deletions, notes, 'deletions'),
    changes: toInt(record.changes, notes, 'changes'),
    files_count: toInt(record.files_ct, notes, 'files_ct'),
    commit_url: toText(record.commit_url, notes, 'commit_url'),
    committed_at: epochSeconds(record.committed_at, notes, 'committed_at'),
    commit_pushed_at: epochSeconds(record.commit_pushed_at, notes, 'commit_pushed_at'),
    ingested_at: epochSeconds(record.ingested_at, notes, 'ingested_at'),
    created_at: epochSeconds(record.created_at, notes, 'created_at'),
    raw: record,
  });
}

/**
 * Cursor: `created_at`, the time SEI ingested the commit (epoch seconds), NOT `committed_at`: a commit
 * on an old branch pushed late, or a repository imported today, carries a `committed_at` weeks or
 * years back and would never fall inside a recent window. `created_at` is filterable and sortable
 * (COMMIT_SORTABLE_COLUMNS) but has no tiebreaker, and an import gives thousands the same second.
 */
export const scmCommitsStream: IncrementalStream = {
  name: 'scm_commits',
  path: '/v1/scm/commits/list',
  mode: 'incremental',
  integrationColumn: 'integration_id',
  forceDatabaseSource: true,
  cursor: {
    filter: { field: 'created_at', boundType: 'number', inclusive: false },
    recordField: 'created_at',
    recordUnit: 's',
    column: 'created_at',
    serverOrder: 'asc',
  },
  sort: [{ id: 'created_at', desc: false }],
  pageSizeParam: 'page_size',
  hasNext: 'page_full',
  table: scmCommitsTable,
  children: [],
  recordKey: (record) => {
    const key = commitKey(record);
    return key.ok ? key.key : undefined;
  },
  normalize,
};
