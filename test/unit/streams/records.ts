/**
 * One realistic record per stream, shaped as sei-api.md documents them (and as the simulator sends
 * them). Builders return fresh objects so a test can change one without affecting the others.
 */

import type { SeiRecord } from '../../../src/sei/types.js';
import type { StreamName } from '../../../src/streams/types.js';
import sample from '../../fixtures/jira_issues_list_sample.json' with { type: 'json' };

export const JIRA_SAMPLE: readonly SeiRecord[] = (sample as { records: SeiRecord[] }).records;

export function jiraRecord(): SeiRecord {
  return structuredClone(JIRA_SAMPLE.find((r) => r.key === 'LFE-891') as SeiRecord);
}

export function integrationRecord(): SeiRecord {
  return {
    id: '4012',
    name: 'GitHub Cloud',
    description: 'acme org on github.com',
    url: 'https://api.github.com',
    application: 'github',
    status: 'ACTIVE',
    satellite: false,
    authentication: 'oauth',
    tags: ['prod'],
    metadata: { timezone: 'UTC', fetch_commits: true },
    created_at: 1_650_000_000,
    updated_at: 1_710_000_000,
  };
}

export function workitemRecord(): SeiRecord {
  return {
    id: '7f3c2a9e-2b1d-4c6e-9a0f-1e2d3c4b5a69',
    workitem_id: '1042',
    integration_id: '4100',
    project: 'contoso/Payments',
    summary: 'Fix invoice export',
    status: 'Active',
    status_category: 'In Progress',
    workitem_type: 'Bug',
    priority: '2',
    assignee: 'Ada Lovelace',
    reporter: 'Grace Hopper',
    story_points: 3,
    labels: ['customer'],
    epic: '117',
    parent_workitem_id: '1001',
    workitem_created_at: 1_700_000_000,
    workitem_updated_at: 1_700_086_400,
    workitem_resolved_at: 0,
    workitem_due_at: 0,
    first_comment_at: 1_700_003_600,
    ingested_at: 1_700_006_400,
    attributes: { area_path: 'contoso\\Payments', iteration: 'Sprint 12' },
    custom_fields: {},
  };
}

export function pullRequestRecord(): SeiRecord {
  return {
    id: '0c8e6f52-41a7-4a4e-8d55-2f0f5d1b6c3a',
    integration_id: '4012',
    repo_id: ['acme/api'],
    project: 'acme/api',
    number: '1234',
    title: 'auth: speed up auth',
    state: 'merged',
    merged: true,
    creator: 'ada-l',
    creator_id: '5b8a4c1e-9f2d-4e3a-8b7c-6d5e4f3a2b1c',
    assignees: ['ada-l'],
    reviewers: ['grace-h', 'linus-t'],
    approvers: ['grace-h'],
    labels: ['auth'],
    source_branch: 'feature/auth-7',
    target_branch: 'main',
    lines_added: '120',
    lines_deleted: 30,
    lines_changed: 150,
    files_changed: 7,
    comment_count: 4,
    commits_count: 3,
    first_review_at: 1_700_010_000,
    pr_created_at: 1_700_000_000,
    pr_updated_at: 1_700_050_000,
    pr_merged_at: 1_700_050_000,
    pr_closed_at: 1_700_050_000,
  };
}

export function commitRecord(): SeiRecord {
  return {
    id: '9d7e1c3b-5a2f-4b8e-a1c9-3f6d2e8b7a50',
    integration_id: '4012',
    repo_id: ['acme/web'],
    project: 'acme/web',
    vcs_type: 'GIT',
    commit_sha: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
    message: 'Fix race in retry handler',
    author: 'ada-l',
    author_id: '5b8a4c1e-9f2d-4e3a-8b7c-6d5e4f3a2b1c',
    committer: 'web-flow',
    committer_id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    additions: 40,
    deletions: 12,
    changes: 52,
    files_ct: 3,
    branch: 'main',
    committed_at: 1_700_000_000,
    commit_pushed_at: 1_700_000_600,
    ingested_at: 1_699_920_000,
    created_at: 1_700_003_000,
  };
}

export function jobRunRecord(): SeiRecord {
  return {
    id: '3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7',
    job_id: '11111111-2222-4333-8444-555555555555',
    job_name: 'deploy-api',
    job_normalized_full_name: 'deploy/deploy-api/main',
    cicd_instance_name: 'jenkins-prod',
    cicd_integration_id: '4200',
    job_run_number: 812,
    status: 'SUCCESS',
    start_time: 1_700_000_000_000,
    end_time: 1_700_000_420_000,
    duration: 420,
    cicd_user_id: 'ada.l',
    scm_commit_ids: ['a94a8fe5ccb19ba61c4c0873d391e987982fbbd3'],
    env: 'prod',
    tags: ['deploy', 'prod'],
    params: [{ name: 'ENVIRONMENT', value: 'prod' }],
  };
}

export function orgUserRecord(): SeiRecord {
  return {
    id: '4b1e8f0a-6c2d-4e3f-9a8b-7c6d5e4f3a2b',
    full_name: 'Ada Lovelace',
    email: 'ada@example.com',
    integration_user_ids: [
      { integration_id: '378', user_id: '712020:c41c2f65-aaaa' },
      { integration_id: '4012', user_id: 'ada-l' },
    ],
    additional_fields: { role: 'Staff Engineer' },
    start_date: 1_650_000_000,
    version: '2',
    created_at: 1_715_126_614_000,
    updated_at: 1_715_661_535_000,
  };
}

/** The documented External User example. */
export function externalUserRecord(): SeiRecord {
  return {
    id: '0',
    full_name: 'External User766797748',
    email: '',
    integration_user_ids: [{ integration_id: '5322', user_id: '712020:c41c2f65-bbbb' }],
    additional_fields: {},
    version: '0',
    created_at: 1_715_126_614_000,
    updated_at: 1_715_661_535_000,
  };
}

/** The documented collection example, with members and a manager as the simulator sends them. */
export function orgUnitRecord(): SeiRecord {
  return {
    id: '79',
    ou_id: 'e1dc905b-1111-4222-8333-444455556666',
    name: 'Frontend',
    tags: ['team'],
    managers: [
      { id: '4b1e8f0a-6c2d-4e3f-9a8b-7c6d5e4f3a2b', full_name: 'Ada Lovelace', email: 'ada@example.com' },
    ],
    admins: [],
    sections: [],
    default_section: { users: ['u-2', 'u-1'] },
    parent_ref_id: 76,
    version: '2',
    no_of_dashboards: 0,
    path: '/All Teams/Frontend',
    ou_category_id: 'ffaea171-7777-4888-9999-aaaabbbbcccc',
    default_dashboard_id: 0,
    workspace_id: 34,
    created_at: 1_710_947_467_896,
  };
}

export function categoryRecord(): SeiRecord {
  return {
    id: 'ffaea171-7777-4888-9999-aaaabbbbcccc',
    name: 'Teams',
    description: 'Engineering teams',
    is_predefined: true,
    enabled: true,
    workspace_id: 34,
    root_ou_ref_id: 76,
    root_ou_name: 'All Teams',
    created_at: 1_710_947_467_896,
    updated_at: 1_710_950_000_000,
  };
}

export const REALISTIC_RECORDS: Record<StreamName, () => SeiRecord> = {
  integrations: integrationRecord,
  jira_issues: jiraRecord,
  workitems: workitemRecord,
  scm_pull_requests: pullRequestRecord,
  scm_commits: commitRecord,
  cicd_job_runs: jobRunRecord,
  org_users: orgUserRecord,
  org_units: orgUnitRecord,
  collection_categories: categoryRecord,
};

/** `new Date(seconds * 1000)`. */
export const at = (seconds: number): Date => new Date(seconds * 1000);

/** A copy of `record` without `fields` (SEI omits fields rather than sending null). */
export function without(record: SeiRecord, ...fields: string[]): SeiRecord {
  return Object.fromEntries(Object.entries(record).filter(([field]) => !fields.includes(field)));
}
