/** Commits (`/v1/scm/commits/list`): UUID `id`, 40-hex `commit_sha`, `message` cut to 25 characters, epoch seconds. */
import type { SeiRecord } from '../../extract/sei/types.js';
import { type Rng, recordRng, unit } from '../random.js';
import { GITHUB_INTEGRATION_IDS, STREAM_TAGS } from '../universe.js';
import { REPOSITORIES, scmUserId } from './scm-pull-requests.js';
import {
  bulkInstant,
  compact,
  type GeneratorContext,
  HISTORY_SECONDS,
  midnightUtcSeconds,
  type StreamGenerator,
} from './types.js';

const TAG = STREAM_TAGS.scm_commits;
const MESSAGES = [
  'Fix race in retry handler when the socket closes early',
  'Add pagination to the export endpoint',
  'Bump dependencies to the latest patch releases',
  'Refactor checkout flow into smaller components',
  'Remove dead feature flags',
  'Document the deploy procedure',
] as const;
/** SEI truncates commit messages to this many characters. */
export const COMMIT_MESSAGE_LENGTH = 25;

export function scmCommitsGenerator(ctx: GeneratorContext): StreamGenerator {
  /** Commits of one imported repository are ingested together: one `created_at` for all of them. */
  const importedAt = (o: number, end: number) => bulkInstant(ctx.seed, TAG, o, ctx.sizes.scm_commits, end);
  const committedAt = (o: number, end: number) => {
    const committed = end - 3600 - Math.floor(unit(ctx.seed, TAG, o, 1) * HISTORY_SECONDS);
    const imported = importedAt(o, end);
    return imported === undefined ? committed : Math.min(committed, imported - 86_400);
  };
  /** When SEI ingested the commit (epoch seconds): minutes to hours after it was committed, or at its import. */
  const createdAt = (o: number, end: number) =>
    importedAt(o, end) ??
    Math.min(end - 60, committedAt(o, end) + 60 + Math.floor(unit(ctx.seed, TAG, o, 3) * 6 * 3600));
  const integrationId = (o: number) => (o % 5 === 4 ? GITHUB_INTEGRATION_IDS[1] : GITHUB_INTEGRATION_IDS[0]);

  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, TAG, o);
    // The id is the first draw, so `fastFields.id` can compute it without building the record.
    const id = rng.uuid();
    const committed = committedAt(o, end);
    const integration = integrationId(o);
    const author = ctx.universe.githubLogin(rng, integration);
    const committer = rng.chance(0.85) ? author : 'web-flow';
    const repo = REPOSITORIES[o % REPOSITORIES.length] as string;
    return compact({
      id,
      integration_id: integration,
      repo_id: [repo],
      project: repo,
      vcs_type: 'GIT',
      commit_sha: rng.hex(40),
      message: rng.pick(MESSAGES).slice(0, COMMIT_MESSAGE_LENGTH),
      author,
      author_id: scmUserId(ctx.seed, author, integration),
      committer,
      committer_id: scmUserId(ctx.seed, committer, integration),
      additions: rng.between(0, 600),
      deletions: rng.between(0, 300),
      changes: rng.between(1, 900),
      files_ct: rng.between(1, 30),
      branch: rng.chance(0.6) ? 'main' : `feature/${rng.hex(6)}`,
      committed_at: committed,
      commit_pushed_at: committed + rng.between(0, 7200),
      ingested_at: midnightUtcSeconds(end),
      created_at: createdAt(o, end),
    });
  }

  /** Commits are immutable in git; an "update" is SEI re-ingesting it (for example after a rebase push). */
  function update(record: SeiRecord, rng: Rng, nowMs: number): SeiRecord {
    const now = Math.floor(nowMs / 1000);
    return { ...record, created_at: now, commit_pushed_at: now, branch: `rebased/${rng.hex(6)}` };
  }

  /** A commit from an old branch pushed today: committed weeks ago, ingested now. */
  function ingestedLate(o: number, rng: Rng, nowMs: number): SeiRecord {
    const now = Math.floor(nowMs / 1000);
    const record = generate(o, now);
    const committed = now - 86_400 * rng.between(20, 60);
    return { ...record, committed_at: committed, commit_pushed_at: now, created_at: now };
  }

  return {
    stream: 'scm_commits',
    generate,
    fastFields: {
      id: (o) => recordRng(ctx.seed, TAG, o).uuid(),
      integration_id: integrationId,
      committed_at: (o) => committedAt(o, ctx.endSeconds),
      created_at: (o) => createdAt(o, ctx.endSeconds),
    },
    key: (record) => String(record.id),
    updatedAt: { field: 'created_at', unit: 's' },
    timeFilters: { committed_at: 's', created_at: 's' },
    integrationField: 'integration_id',
    update,
    ingestedLate,
  };
}
