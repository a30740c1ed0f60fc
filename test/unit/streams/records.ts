/**
 * One realistic record per stream, shaped as sei-api.md documents them (and as the simulator sends
 * them). Builders return fresh objects so a test can change one without affecting the others.
 */

import type { SeiRecord } from '../../../src/extract/sei/types.js';
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

/** The research examples of the streams of issue 14 (server-facts-new-streams.md), one per stream. */
export function jiraSprintRecord(): SeiRecord {
  return {
    id: '3c0f6a3e-8f1d-4c55-9a0e-2b7d1f6e9a10',
    sprint_id: 412,
    name: 'PLAT Sprint 42',
    integration_id: 5,
    state: 'CLOSED',
    goal: 'Finish billing v2',
    start_date: 1_709_510_400,
    end_date: 1_710_720_000,
    complete_date: 1_710_745_200,
    updated_at: 1_710_745_311,
  };
}

export function jiraFieldRecord(): SeiRecord {
  return {
    id: '187',
    integration_id: '5',
    name: 'Story Points',
    custom: true,
    field_key: 'customfield_10016',
    field_type: 'number',
    created_at: 1_695_302_400,
  };
}

export function jiraProjectRecord(): SeiRecord {
  return {
    id: '12',
    integration_id: '5',
    cloud_id: '10001',
    name: 'Platform',
    key: 'PLAT',
    is_private: false,
    components: ['api', 'billing'],
    lead_user_id: '5b10a2844c20165700ede21g',
    created_at: 1_695_302_400,
  };
}

export function workitemSprintRecord(): SeiRecord {
  return {
    id: 'a9d2f3c4-1b2e-4f5a-8c7d-0e1f2a3b4c5d',
    sprint_id: '6f3a1c9e-2b4d-4e8f-9a1b-3c5d7e9f1a2b',
    parent_sprint: 'Contoso\\2024',
    name: 'Sprint 7',
    integration_id: 9,
    project_id: '0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f',
    state: 'past',
    start_date: 1_709_510_400,
    end_date: 1_710_720_000,
    completed_date: 1_710_720_000,
  };
}

export function userIdentityRecord(): SeiRecord {
  return {
    id: '0d4c5b1e-7a2f-4c3b-9e8d-1f2a3b4c5d6e',
    integration_id: '7',
    display_name: 'Jane Doe',
    original_display_name: 'jdoe',
    cloudId: 'jdoe',
    email: ['jane.doe@example.com'],
    mapping_status: 'auto',
    created_at: 1_696_118_400,
    updated_at: 1_712_102_400,
  };
}

export function scmIssueRecord(): SeiRecord {
  return {
    id: '7b6a5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
    integration_id: '3',
    repo_id: 'acme/api',
    project: 'acme',
    issue_id: '2003456789',
    number: '412',
    creator: 'octocat',
    creator_id: '0d4c5b1e-7a2f-4c3b-9e8d-1f2a3b4c5d6e',
    assignees: ['hubot'],
    labels: ['bug', 'p1'],
    state: 'closed',
    title: '500 on /v2/invoices',
    url: 'https://github.com/acme/api/issues/412',
    num_comments: 4,
    issue_created_at: 1_709_300_000,
    issue_updated_at: 1_709_900_000,
    issue_closed_at: 1_709_890_000,
    first_comment_at: 1_709_303_600,
    created_at: 1_709_900_412,
  };
}

export function jobRunTestRecord(): SeiRecord {
  return {
    id: 'c2b1a0f9-8e7d-4c6b-9a5f-4e3d2c1b0a9f',
    cicd_job_run_id: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b',
    test_suite: 'com.acme.billing.InvoiceServiceTest',
    test_name: 'com.acme.billing.InvoiceServiceTest.rounding',
    status: 'FAILED',
    duration: 0.412,
    error_details: 'expected:<10.00> but was:<9.99>',
    error_stacktrace: 'java.lang.AssertionError: expected:<10.00> but was:<9.99>\n\tat ...',
    job_status: 'FAILURE',
    job_name: 'billing-ci',
    job_run_number: '1842',
    cicd_user_id: 'jenkins',
    start_time: 1_712_050_200_000,
    end_time: 1_712_050_795_000,
    job_normalized_full_name: 'acme/billing-ci',
    project_name: 'acme',
  };
}

export function cicdInstanceRecord(): SeiRecord {
  return {
    id: '1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b',
    name: 'jenkins-prod',
    url: 'https://jenkins.acme.io/',
    integration_id: '21',
    type: 'jenkins',
    config: { heartbeat_duration: 60 },
    details: { jenkins_version: '2.426.1', plugin_version: '1.0.36' },
    last_hb_at: 1_712_102_340_000,
    created_at: 1_690_000_000_000,
    updated_at: 1_712_102_340_000,
  };
}

/** What the jobs endpoint would serve if CiCdJobsService.list worked. */
export function cicdJobRecord(): SeiRecord {
  return { id: '9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', name: 'billing-ci' };
}

export function pagerdutyIncidentRecord(): SeiRecord {
  return {
    id: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
    pd_service_id: '0b7e1c2d-3e4f-4a5b-9c6d-7e8f9a0b1c2d',
    pd_id: 'Q2ABCDEF12345',
    summary: '[#1234] High error rate on checkout',
    urgency: 'high',
    priority: 'P1',
    status: 'resolved',
    created_at: 1_709_823_600_000,
    updated_at: 1_709_826_000,
    last_status_at: 1_709_826_300_000,
    user_names: ['Alice Smith', 'Bob Lee'],
    user_ids: [],
    service_name: 'checkout-api',
    integration_id: '12',
    incident_resolved_at: 1_709_826_300_000,
    incident_acknowledged_at: 1_709_824_100_000,
    incident_statuses: ['acknowledged', 'resolved'],
    details: {},
  };
}

export function pagerdutyAlertRecord(): SeiRecord {
  return {
    id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    pd_service_id: '0b7e1c2d-3e4f-4a5b-9c6d-7e8f9a0b1c2d',
    pd_id: 'PALERT7XYZ',
    incident_id: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
    summary: 'CPU > 90% on web-3',
    severity: 'critical',
    status: 'resolved',
    created_at: 1_709_823_600_000,
    updated_at: 1_709_826_000,
    last_status_at: 1_709_826_240_000,
    alert_acknowledged_at: 1_718_031_112_000,
    service_name: 'checkout-api',
    integration_id: '12',
    details: { host: 'web-3', cpu: 93.4 },
  };
}

export function productRecord(): SeiRecord {
  return {
    id: '34',
    name: 'Default Workspace',
    description: 'Default Workspace',
    key: 'DEFAULT',
    orgIdentifier: 'defaultOrg',
    integration_ids: [3, 5],
    integrations: [
      { id: '3', name: 'GitHub', application: 'github', append_metadata: false },
      { id: '5', name: 'Jira Cloud', application: 'jira', append_metadata: false },
    ],
    updated_at: 1_711_000_000,
    created_at: 1_690_000_000,
    bootstrapped: true,
    immutable: false,
    disabled: false,
    demo: false,
  };
}

export function workflowProfileRecord(): SeiRecord {
  return {
    id: 'b3a2c1d0-e9f8-4a7b-8c6d-5e4f3a2b1c0d',
    name: 'Default Workflow Profile',
    default_config: true,
    description: 'Lead time for changes',
    created_at: 1_690_000_000_000,
    updated_at: 1_711_000_000_000,
    is_new: true,
    pre_development_custom_stages: [],
    fixed_stages: [{ name: 'Lead time to First Commit', order: 0 }],
    post_development_custom_stages: [],
    jira_only: false,
    integration_families: ['ISSUE_MANAGEMENT', 'SCM_PRS'],
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
  jira_sprints: jiraSprintRecord,
  jira_fields: jiraFieldRecord,
  jira_projects: jiraProjectRecord,
  workitem_sprints: workitemSprintRecord,
  user_identities: userIdentityRecord,
  scm_issues: scmIssueRecord,
  cicd_job_run_tests: jobRunTestRecord,
  cicd_instances: cicdInstanceRecord,
  cicd_jobs: cicdJobRecord,
  pagerduty_incidents: pagerdutyIncidentRecord,
  pagerduty_alerts: pagerdutyAlertRecord,
  products: productRecord,
  workflow_profiles: workflowProfileRecord,
};

/** The instant `seconds` after 1970 as a normalized row holds it: epoch milliseconds (`EpochMs`). */
export const at = (seconds: number): number => seconds * 1000;

/** A copy of `record` without `fields` (SEI omits fields rather than sending null). */
export function without(record: SeiRecord, ...fields: string[]): SeiRecord {
  return Object.fromEntries(Object.entries(record).filter(([field]) => !fields.includes(field)));
}
