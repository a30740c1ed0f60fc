/** Every stream sei-sync knows, by name. Adding an endpoint: a module beside this file and a line here. */
export { isStreamName, parseAnyStreamList, parseStreamList, UnknownStreamError } from './stream-names.js';

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
  AnyStreamDefinition,
  AnyStreamName,
  DoraSnapshotStream,
  DoraStreamName,
  StreamDefinition,
  StreamName,
} from './types.js';
import { userIdentitiesStream } from './user-identities.js';
import { V2_STREAMS } from './v2-streams.js';
import { workflowProfilesStream } from './workflow-profiles.js';
import { workitemSprintsStream } from './workitem-sprints.js';
import { workitemsStream } from './workitems.js';

/** The SEI 1.0 list streams. */
export const STREAMS: Readonly<Record<StreamName, StreamDefinition>> = {
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

/** Every stream the engine runs: the 1.0 lists, the DORA snapshots and the 2.0 streams (./v2-streams.ts). */
export const ALL_STREAMS: Readonly<Record<AnyStreamName, AnyStreamDefinition>> = {
  ...STREAMS,
  ...DORA_STREAMS,
  ...V2_STREAMS,
};

export function getStream(name: string): StreamDefinition {
  if (!isStreamName(name) || !(name in STREAMS)) throw new UnknownStreamError([name]);
  return STREAMS[name as StreamName];
}

/** Every `sei` table the streams write (entity tables, then their child tables), e.g. for the doctor command. */
export function allTableNames(): string[] {
  return [...Object.values(STREAMS), ...Object.values(DORA_STREAMS)].flatMap((stream) => [
    stream.table.name,
    ...stream.children.map((child) => child.name),
  ]);
}

/** An SEI 1.0 list stream (walked by time or read whole), as opposed to a DORA snapshot or an SEI 2.0 stream. */
export function isListStream(stream: AnyStreamDefinition): stream is StreamDefinition {
  return stream.mode === 'incremental' || stream.mode === 'full_refresh';
}
