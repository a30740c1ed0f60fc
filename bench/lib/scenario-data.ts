/** How benchmark and fault runs spread N records across the streams, stated once. */
import type { StreamName } from '../../src/streams/types.js';

/**
 * N records split across the large streams with realistic shapes:
 * - `default`: 60% Jira issues (1-2 KB with status and assignee lists), 20% pull requests, 20% CI/CD
 *   job runs (what every earlier report measured);
 * - `jira`: Jira issues only (the load of issue 13's report).
 * Work items and commits are empty; the small streams (integrations, org users and units, categories)
 * stay at their defaults.
 */
export const MIXES = {
  default: { jira_issues: 0.6, scm_pull_requests: 0.2, cicd_job_runs: 0.2 },
  jira: { jira_issues: 1, scm_pull_requests: 0, cicd_job_runs: 0 },
} as const;

export type MixName = keyof typeof MIXES;

/** The default mix (`MIXES.default`). */
export const MIX = MIXES.default;

export function streamSizesFor(
  records: number,
  mix: MixName = 'default',
): Partial<Record<StreamName, number>> {
  const shares = MIXES[mix];
  const jira = Math.round(records * shares.jira_issues);
  const prs = Math.round(records * shares.scm_pull_requests);
  return {
    jira_issues: jira,
    scm_pull_requests: prs,
    cicd_job_runs: records - jira - prs,
    workitems: 0,
    scm_commits: 0,
  };
}

export const BENCH_SEED = 1;
/** The highest request rate the config accepts: the bench measures the sync, not the budget. */
export const BENCH_REQUESTS_PER_MINUTE = '5000';

/**
 * Endpoints broken in the server's code that the bench's simulator answers anyway (cicd_jobs: always
 * 500 in the server, src/simulator/quirks.ts): a bench measures a sync of every stream, as against a
 * production that fixed them, and its fetch-only walk would stop at the first 500.
 */
export const BENCH_FIXED_ENDPOINTS = ['cicd_jobs'] as const;
