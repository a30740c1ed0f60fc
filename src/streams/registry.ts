/** Every stream sei-sync knows, by name. Adding an endpoint: a module beside this file and a line here. */
import { cicdJobRunsStream } from './cicd-job-runs.js';
import { collectionCategoriesStream } from './collection-categories.js';
import { integrationsStream } from './integrations.js';
import { jiraIssuesStream } from './jira-issues.js';
import { orgUnitsStream } from './org-units.js';
import { orgUsersStream } from './org-users.js';
import { scmCommitsStream } from './scm-commits.js';
import { scmPullRequestsStream } from './scm-pull-requests.js';
import { STREAM_NAMES, type StreamDefinition, type StreamName } from './types.js';
import { workitemsStream } from './workitems.js';

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
};

const VALID = `valid: ${STREAM_NAMES.join(', ')}`;

/** A stream name nobody defined (from `--streams`, a config file or a job payload), or an empty list. */
export class UnknownStreamError extends Error {
  readonly code = 'SEI_SYNC_ERR_UNKNOWN_STREAM';
  constructor(readonly unknown: readonly string[]) {
    super(
      unknown.length === 0
        ? `no stream named (${VALID})`
        : `unknown stream${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')} (${VALID})`,
    );
    this.name = 'UnknownStreamError';
  }
}

export function isStreamName(name: string): name is StreamName {
  return (STREAM_NAMES as readonly string[]).includes(name);
}

export function getStream(name: string): StreamDefinition {
  if (!isStreamName(name)) throw new UnknownStreamError([name]);
  return STREAMS[name];
}

/**
 * Parses `"jira_issues, org_users"` into stream names, in registry order and without duplicates.
 * Blank entries are ignored; an empty list is an error (a sync of nothing is a typo, not a request).
 */
export function parseStreamList(list: string): StreamName[] {
  const requested = list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = requested.filter((name) => !isStreamName(name));
  if (unknown.length > 0) throw new UnknownStreamError([...new Set(unknown)]);
  if (requested.length === 0) throw new UnknownStreamError([]);
  return STREAM_NAMES.filter((name) => requested.includes(name));
}

/** Every table the streams write (entity tables, then their child tables), e.g. for the doctor command. */
export function allTableNames(): string[] {
  return Object.values(STREAMS).flatMap((stream) => [
    stream.table.name,
    ...stream.children.map((child) => child.name),
  ]);
}
