/**
 * GitHub pull requests (`/v1/scm/prs/list`): `id` a UUID string, `repo_id` an array, `number` a
 * string, `lines_added` sometimes a string, epoch seconds with `0` for "not yet" (merged, closed,
 * first review). `creator` / `assignees` / `reviewers` / `approvers` are logins that appear in the org
 * users' `integration_user_ids` for the same integration; `creator_id` is SEI's internal user UUID.
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import { hash32, Rng, recordRng, unit } from '../random.js';
import { GITHUB_INTEGRATION_IDS, STREAM_TAGS } from '../universe.js';
import {
  BEFORE_1970_ORDINAL,
  bulkInstant,
  compact,
  type GeneratorContext,
  HISTORY_SECONDS,
  type StreamGenerator,
} from './types.js';

const TAG = STREAM_TAGS.scm_pull_requests;
export const REPOSITORIES = [
  'acme/web',
  'acme/api',
  'acme/mobile',
  'acme/infra',
  'acme/data-pipeline',
] as const;
const AREAS = ['auth', 'billing', 'search', 'ci', 'deps', 'ui', 'reports'] as const;
const CHANGES = [
  'fix flaky test in',
  'add metrics to',
  'refactor',
  'bump versions in',
  'speed up',
  'document',
];

/**
 * SEI keeps an internal UUID per user of each integration (`integration_users.id`, what
 * `/v1/user_identities/list` lists): stable per (seed, integration, login).
 */
export function scmUserId(seed: number, login: string, integrationId: string): string {
  let h = 0;
  for (let k = 0; k < login.length; k++) h = Math.imul(h ^ login.charCodeAt(k), 0x01000193);
  // The first GitHub integration keeps the hash of the login alone (datasets from before identities).
  const seedOfUser =
    integrationId === GITHUB_INTEGRATION_IDS[0]
      ? hash32(seed, 77, h)
      : hash32(seed, 77, h, Number(integrationId));
  return new Rng(seedOfUser).uuid();
}

export function scmPullRequestsGenerator(ctx: GeneratorContext): StreamGenerator {
  const bulk = (o: number, end: number) => bulkInstant(ctx.seed, TAG, o, ctx.sizes.scm_pull_requests, end);
  const createdAt = (o: number, end: number) => {
    const created = end - 7200 - Math.floor(unit(ctx.seed, TAG, o, 1) * HISTORY_SECONDS);
    const closedInBulk = bulk(o, end);
    return closedInBulk === undefined ? created : Math.min(created, closedInBulk - 3600);
  };
  /** PRs touched by one bulk operation (a bot closing stale PRs) share their updated instant. */
  const changedAt = (o: number, end: number) => {
    const closedInBulk = bulk(o, end);
    if (closedInBulk !== undefined) return closedInBulk;
    const created = createdAt(o, end);
    return (
      created +
      60 +
      Math.floor(unit(ctx.seed, TAG, o, 2) ** 2 * Math.min(30 * 86_400, end - 3600 - created - 60))
    );
  };
  /** What the list says: one PR carries `-19700`, as one does in the SEI server's own test data. */
  const updatedAt = (o: number, end: number) => (o === BEFORE_1970_ORDINAL ? -19_700 : changedAt(o, end));
  const integrationId = (o: number) => (o % 5 === 4 ? GITHUB_INTEGRATION_IDS[1] : GITHUB_INTEGRATION_IDS[0]);

  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, TAG, o);
    // The id is the first draw, so `fastFields.id` can compute it without building the record.
    const id = rng.uuid();
    const created = createdAt(o, end);
    const updated = changedAt(o, end);
    const repo = REPOSITORIES[o % REPOSITORIES.length] as string;
    const integration = integrationId(o);
    const creator = ctx.universe.githubLogin(rng, integration);
    const reviewers = [
      ctx.universe.githubLogin(rng, integration),
      ctx.universe.githubLogin(rng, integration),
    ].filter((l) => l !== creator);
    const roll = rng.next();
    const state =
      bulk(o, end) !== undefined ? 'closed' : roll < 0.7 ? 'merged' : roll < 0.85 ? 'closed' : 'open';
    const firstReview =
      reviewers.length > 0 && rng.chance(0.85) ? created + Math.floor(rng.next() * (updated - created)) : 0;
    const linesAdded = rng.between(1, 800);
    const area = rng.pick(AREAS);
    return compact({
      id,
      integration_id: integration,
      repo_id: [repo],
      project: repo,
      number: String(1 + Math.floor(o / REPOSITORIES.length)),
      title: `${area}: ${rng.pick(CHANGES)} ${area}`,
      state,
      merged: state === 'merged',
      creator,
      creator_id: scmUserId(ctx.seed, creator, integration),
      assignees: rng.chance(0.6) ? [creator] : [],
      reviewers,
      approvers: state === 'merged' ? reviewers.slice(0, 1) : [],
      labels: rng.chance(0.3) ? [area] : [],
      source_branch: `feature/${area}-${o}`,
      target_branch: rng.chance(0.9) ? 'main' : 'release',
      // SEI sends some counts as strings; clients must cope.
      lines_added: rng.chance(0.15) ? String(linesAdded) : linesAdded,
      lines_deleted: rng.between(0, 400),
      lines_changed: linesAdded + rng.between(0, 50),
      files_changed: rng.chance(0.9) ? rng.between(1, 40) : undefined,
      comment_count: rng.between(0, 12),
      commits_count: rng.between(1, 15),
      first_review_at: firstReview,
      pr_created_at: created,
      pr_updated_at: updatedAt(o, end),
      pr_merged_at: state === 'merged' ? updated : 0,
      pr_closed_at: state === 'open' ? 0 : updated,
    });
  }

  function update(record: SeiRecord, rng: Rng, nowMs: number): SeiRecord {
    const now = Math.floor(nowMs / 1000);
    const next: SeiRecord = {
      ...record,
      pr_updated_at: now,
      comment_count: Number(record.comment_count ?? 0) + 1,
    };
    if (record.state === 'open') {
      next.state = rng.chance(0.7) ? 'merged' : 'closed';
      next.merged = next.state === 'merged';
      next.pr_merged_at = next.merged ? now : 0;
      next.pr_closed_at = now;
    }
    if (next.first_review_at === 0) next.first_review_at = now;
    return next;
  }

  return {
    stream: 'scm_pull_requests',
    generate,
    fastFields: {
      id: (o) => recordRng(ctx.seed, TAG, o).uuid(),
      integration_id: integrationId,
      pr_created_at: (o) => createdAt(o, ctx.endSeconds),
      pr_updated_at: (o) => updatedAt(o, ctx.endSeconds),
    },
    key: (record) => String(record.id),
    updatedAt: { field: 'pr_updated_at', unit: 's' },
    timeFilters: { pr_updated_at: 's', pr_created_at: 's', pr_merged_at: 's', pr_closed_at: 's' },
    integrationField: 'integration_id',
    update,
  };
}
