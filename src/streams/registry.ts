/** Every stream sei-sync knows, by name. Adding an endpoint: a module beside this file and a line here. */
export { isStreamName, parseStreamList, UnknownStreamError } from './stream-names.js';

import { cicdInstancesStream } from './cicd-instances.js';
import { cicdJobRunTestsStream } from './cicd-job-run-tests.js';
import { cicdJobRunsStream } from './cicd-job-runs.js';
import { cicdJobsStream } from './cicd-jobs.js';
import { collectionCategoriesStream } from './collection-categories.js';
import {
  doraBucketsStream,
  doraDrilldownStream,
  doraSnapshotsStream,
  seiContributorsStream,
} from './dora.js';
import { integrationsStream } from './integrations.js';
import { jiraFieldsStream } from './jira-fields.js';
import { jiraIssuesStream } from './jira-issues.js';
import { jiraProjectsStream } from './jira-projects.js';
import { jiraSprintsStream } from './jira-sprints.js';
import { orgUnitsStream } from './org-units.js';
import { orgUsersStream } from './org-users.js';
import { pagerdutyAlertsStream } from './pagerduty-alerts.js';
import { pagerdutyIncidentsStream } from './pagerduty-incidents.js';
import { productsStream } from './products.js';
import { scmCommitsStream } from './scm-commits.js';
import { scmIssuesStream } from './scm-issues.js';
import { scmPullRequestsStream } from './scm-pull-requests.js';
import { isStreamName, UnknownStreamError } from './stream-names.js';
import type {
  DoraSnapshotStream,
  DoraStreamName,
  ListStreamDefinition,
  ListStreamName,
  StreamDefinition,
  StreamName,
} from './types.js';
import { userIdentitiesStream } from './user-identities.js';
import { workflowProfilesStream } from './workflow-profiles.js';
import { workitemSprintsStream } from './workitem-sprints.js';
import { workitemsStream } from './workitems.js';

/** The SEI 1.0 list streams (the default set; each is a dataset of the simulator). */
export const STREAMS: Readonly<Record<ListStreamName, ListStreamDefinition>> = {
  integrations: integrationsStream,
  jira_issues: jiraIssuesStream,
  workitems: workitemsStream,
  scm_pull_requests: scmPullRequestsStream,
  scm_commits: scmCommitsStream,
  cicd_job_runs: cicdJobRunsStream,
  org_users: orgUsersStream,
  org_units: orgUnitsStream,
  collection_categories: collectionCategoriesStream,
  jira_sprints: jiraSprintsStream,
  jira_fields: jiraFieldsStream,
  jira_projects: jiraProjectsStream,
  workitem_sprints: workitemSprintsStream,
  user_identities: userIdentitiesStream,
  scm_issues: scmIssuesStream,
  cicd_job_run_tests: cicdJobRunTestsStream,
  cicd_instances: cicdInstancesStream,
  cicd_jobs: cicdJobsStream,
  pagerduty_incidents: pagerdutyIncidentsStream,
  pagerduty_alerts: pagerdutyAlertsStream,
  products: productsStream,
  workflow_profiles: workflowProfilesStream,
};

/** SEI's own DORA per collection and its contributor counts, snapshotted (src/dora/). */
export const DORA_STREAMS: Readonly<Record<DoraStreamName, DoraSnapshotStream>> = {
  dora_buckets: doraBucketsStream,
  dora_snapshots: doraSnapshotsStream,
  dora_drilldown: doraDrilldownStream,
  sei_contributors: seiContributorsStream,
};

/** Every stream a run may name. */
export const ALL_STREAMS: Readonly<Record<StreamName, StreamDefinition>> = { ...STREAMS, ...DORA_STREAMS };

export function getStream(name: string): StreamDefinition {
  if (!isStreamName(name)) throw new UnknownStreamError([name]);
  return ALL_STREAMS[name];
}

/** Every table the streams write (entity tables, then their child tables), e.g. for the doctor command. */
export function allTableNames(): string[] {
  return Object.values(ALL_STREAMS).flatMap((stream) => [
    stream.table.name,
    ...stream.children.map((child) => child.name),
  ]);
}
