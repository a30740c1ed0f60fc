/** `/v1/scm/commits/list`: one row per commit (per repository SEI ingested it from). */
import type { SeiRecord } from '../extract/sei/types.js';
import { describeValue, joinKey, readKeyFields, toKeyText } from '../normalize/convert.js';
import { defineStream } from './define-stream.js';
import { integer, seconds, text, texts } from './fields.js';
import { computedKey } from './stream-key.js';

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

/**
 * Cursor: `created_at`, the time SEI ingested the commit (epoch seconds), NOT `committed_at`: a commit
 * on an old branch pushed late, or a repository imported today, carries a `committed_at` weeks or
 * years back and would never fall inside a recent window. `created_at` is filterable and sortable
 * (COMMIT_SORTABLE_COLUMNS) but has no tiebreaker, and an import gives thousands the same second.
 */
export const scmCommitsStream = defineStream({
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
  table: 'scm_commits',
  key: computedKey('commit_key', commitKey),
  fields: [
    text('id'),
    text('integration_id'),
    text('commit_sha'),
    texts('repo_ids', { from: 'repo_id' }),
    text('project'),
    text('vcs_type'),
    text('branch'),
    text('author'),
    text('author_id'),
    text('committer'),
    text('committer_id'),
    // SEI cuts messages to 25 characters; stored as received.
    text('message'),
    integer('additions'),
    integer('deletions'),
    integer('changes'),
    integer('files_count', { from: 'files_ct' }),
    text('commit_url'),
    seconds('committed_at'),
    seconds('commit_pushed_at'),
    seconds('ingested_at'),
    // When SEI ingested the commit: the walk's cursor (migration 005 added it; `renormalize` fills old rows).
    seconds('created_at'),
  ],
});
