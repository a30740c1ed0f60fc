/** How benchmark and fault runs spread N records across the streams, stated once. */
import type { StreamName } from '../../src/streams/types.js';

/**
 * N records split across the three large streams with realistic shapes: 60% Jira issues (1-2 KB
 * with status and assignee lists), 20% pull requests, 20% CI/CD job runs; work items and commits
 * empty; the small streams (integrations, org users and units, categories) at their defaults.
 */
export const MIX = { jira_issues: 0.6, scm_pull_requests: 0.2, cicd_job_runs: 0.2 } as const;

export function streamSizesFor(records: number): Partial<Record<StreamName, number>> {
  const jira = Math.round(records * MIX.jira_issues);
  const prs = Math.round(records * MIX.scm_pull_requests);
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
