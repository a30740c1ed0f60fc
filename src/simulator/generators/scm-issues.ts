/**
 * SCM issues (`/v1/scm/issues/list`, DbScmIssue): GitHub issues of the PRs' repositories, `project`
 * the repository (SEI's GitHub ingestion) or `""` when the source had none, `number` a string, epoch
 * seconds. SEI deletes and re-inserts an issue on each update: `id` and `created_at` change then.
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import { type Rng, recordRng, unit } from '../random.js';
import { GITHUB_INTEGRATION_IDS, STREAM_TAGS } from '../universe.js';
import { REPOSITORIES, scmUserId } from './scm-pull-requests.js';
import {
  bulkInstant,
  compact,
  type GeneratorContext,
  HISTORY_SECONDS,
  type StreamGenerator,
} from './types.js';

const TAG = STREAM_TAGS.scm_issues;
const TITLES = [
  '500 on /v2/invoices',
  'Search ignores accents',
  'Flaky login test on CI',
  'Document the retry policy',
  'Memory grows during export',
  'Dark mode contrast too low',
] as const;
const LABELS = ['bug', 'p1', 'enhancement', 'docs', 'good first issue'] as const;

export function scmIssuesGenerator(ctx: GeneratorContext): StreamGenerator {
  const repoOf = (o: number) => REPOSITORIES[o % REPOSITORIES.length] as string;
  const integrationOf = (o: number) => (o % 5 === 4 ? GITHUB_INTEGRATION_IDS[1] : GITHUB_INTEGRATION_IDS[0]);
  // A few issues come from a source without a project: SEI stores "" (and keys on it).
  const projectOf = (o: number) => (o % 50 === 7 ? '' : repoOf(o));
  const createdAt = (o: number, end: number) =>
    end - 3600 - Math.floor(unit(ctx.seed, TAG, o, 1) * HISTORY_SECONDS);
  /** A triage bot labelling issues in bulk gives many the same updated second. */
  const updatedAt = (o: number, end: number) => {
    const created = createdAt(o, end);
    const bulk = bulkInstant(ctx.seed, TAG, o, ctx.sizes.scm_issues, end);
    if (bulk !== undefined && bulk > created) return bulk;
    return created + 60 + Math.floor(unit(ctx.seed, TAG, o, 2) * Math.min(60 * 86_400, end - 3600 - created));
  };

  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, TAG, o);
    const integration = integrationOf(o);
    const repo = repoOf(o);
    const creator = ctx.universe.githubLogin(rng, integration);
    const created = createdAt(o, end);
    const updated = updatedAt(o, end);
    const closed = rng.chance(0.6);
    const number = String(1 + Math.floor(o / REPOSITORIES.length));
    return compact({
      id: rng.uuid(),
      integration_id: integration,
      repo_id: repo,
      project: projectOf(o),
      issue_id: String(2_000_000_000 + o),
      number,
      creator,
      creator_id: scmUserId(ctx.seed, creator, integration),
      assignees: rng.chance(0.5) ? [ctx.universe.githubLogin(rng, integration)] : [],
      labels: rng.sample(LABELS, rng.between(0, 2)),
      state: closed ? 'closed' : 'open',
      title: rng.pick(TITLES),
      url: `https://github.com/${repo}/issues/${number}`,
      num_comments: rng.between(0, 9),
      issue_created_at: created,
      issue_updated_at: updated,
      issue_closed_at: closed ? updated : undefined,
      first_comment_at: rng.chance(0.6) ? created + rng.between(60, 86_400) : undefined,
      created_at: updated + rng.between(30, 900),
    });
  }

  /** Re-ingested after a change: a new row (`id`, `created_at`), the issue closed or reopened. */
  function update(record: SeiRecord, rng: Rng, nowMs: number): SeiRecord {
    const now = Math.floor(nowMs / 1000);
    const closed = record.state !== 'closed';
    return compact({
      ...record,
      id: rng.uuid(),
      state: closed ? 'closed' : 'open',
      issue_closed_at: closed ? now : undefined,
      issue_updated_at: now,
      created_at: now,
    });
  }

  return {
    stream: 'scm_issues',
    generate,
    fastFields: {
      integration_id: integrationOf,
      repo_id: repoOf,
      project: projectOf,
      issue_id: (o) => String(2_000_000_000 + o),
      issue_created_at: (o) => createdAt(o, ctx.endSeconds),
      issue_updated_at: (o) => updatedAt(o, ctx.endSeconds),
    },
    key: (record) =>
      `${String(record.integration_id)}/${String(record.repo_id)}/${String(record.project)}/${String(record.issue_id)}`,
    updatedAt: { field: 'issue_updated_at', unit: 's' },
    timeFilters: { issue_updated_at: 's', issue_created_at: 's', issue_closed_at: 's' },
    integrationField: 'integration_id',
    update,
  };
}
