/**
 * Workflow profiles (VelocityConfigDTO) as far as DORA reads them, and which collection has which.
 * The sections are in the server's shape (docs/sei-dora-server.md §7): the DORA endpoints read them
 * back from the live `workflow_profiles` records, so editing a profile record changes the answers.
 *
 * Collection j (ref id 76 + j) has profile j mod 4; every fourth collection (j mod 4 = 3) has none,
 * as a tenant where some teams were never given one (the DORA endpoints then answer 500).
 */
import { cicdJobId } from '../generators/cicd-job-runs.js';
import { recordRng } from '../random.js';
import { CICD_INTEGRATIONS, GITHUB_INTEGRATION_IDS, JIRA_INTEGRATION_IDS, STREAM_TAGS } from '../universe.js';

export type DoraSource = 'SCM' | 'IM' | 'CICD';

/** The three seeded profiles; each counts deployments from another source. */
export const WORKFLOW_PROFILES: readonly {
  name: string;
  jiraOnly: boolean;
  families: readonly string[];
  source: DoraSource;
}[] = [
  {
    name: 'Default Workflow Profile',
    jiraOnly: false,
    families: ['ISSUE_MANAGEMENT', 'SCM_PRS', 'CICD'],
    source: 'SCM',
  },
  { name: 'DORA for Platform', jiraOnly: false, families: ['SCM_PRS', 'CICD'], source: 'CICD' },
  { name: 'Jira only', jiraOnly: true, families: ['ISSUE_MANAGEMENT'], source: 'IM' },
];

/** Collections per profile slot: slot 3 of every 4 has no profile. */
const SLOTS = 4;

/** The profile ordinal of collection ordinal `unit`, or undefined when it has none. */
export function profileOfUnit(unit: number, profiles: number): number | undefined {
  const slot = unit % SLOTS;
  return slot < SLOTS - 1 && slot < profiles ? slot : undefined;
}

/** Collection ordinals that have profile `profile` (the server's `ou_profiles` rows). */
export function unitsOfProfile(profile: number, units: number): number[] {
  const out: number[] = [];
  if (profile >= SLOTS - 1) return out;
  for (let unit = profile; unit < units; unit += SLOTS) out.push(unit);
  return out;
}

/** The profile's id: the generator's first draw. */
export function workflowProfileId(seed: number, profile: number): string {
  return recordRng(seed, STREAM_TAGS.workflow_profiles, profile).uuid();
}

const DAY = 86_400;
const limits = (lowerDays: number, upperDays: number) => ({
  lower_limit_value: lowerDays * DAY,
  lower_limit_unit: 'SECONDS',
  upper_limit_value: upperDays * DAY,
  upper_limit_unit: 'SECONDS',
});

/** Stages that the simulator's PR records can time (created → first review → merged). */
const PR_STAGES = (lower: number, upper: number) => [
  {
    name: 'Time to First Comment',
    order: 1,
    event: { type: 'SCM_PR_REVIEW_STARTED' },
    ...limits(lower, upper),
  },
  { name: 'Merge Time', order: 2, event: { type: 'SCM_PR_MERGED' }, ...limits(lower, upper) },
];

/** Stages timed from a Jira issue's `status_list` (time spent in those statuses). */
const JIRA_STAGES = (lower: number, upper: number) => [
  {
    name: 'In Progress',
    order: 0,
    event: { type: 'JIRA_STATUS', values: ['IN PROGRESS'] },
    ...limits(lower, upper),
  },
  {
    name: 'In Review',
    order: 1,
    event: { type: 'JIRA_STATUS', values: ['IN REVIEW'] },
    ...limits(lower, upper),
  },
  {
    name: 'Ready for Prod',
    order: 2,
    event: { type: 'JIRA_STATUS', values: ['READY FOR PROD'] },
    ...limits(lower, upper),
  },
];

function leadTimeSection(source: DoraSource, lower: number, upper: number) {
  const jira = source === 'IM';
  return {
    issue_management_integrations: jira ? ['jira'] : [],
    starting_event_is_commit_created: !jira,
    starting_event_is_generic_event: false,
    pre_development_custom_stages: jira ? JIRA_STAGES(lower, upper) : [],
    fixed_stages: jira ? [] : PR_STAGES(lower, upper),
    post_development_custom_stages: [],
  };
}

/** The DORA sections of profile `profile` (extra profiles repeat the seeded three). */
export function doraSections(seed: number, profile: number) {
  const source = (WORKFLOW_PROFILES[profile % WORKFLOW_PROFILES.length] ?? WORKFLOW_PROFILES[0])?.source;
  const metric = (integrationIds: readonly string[], application: string) => ({
    application,
    integration_id: Number(integrationIds[0]),
    integration_ids: integrationIds.map(Number),
  });
  if (source === 'CICD') {
    const jobs = [cicdJobId(seed, 'deploy-api'), cicdJobId(seed, 'deploy-web')];
    const runs = (statuses?: string[]) => ({
      integration_type: 'CICD',
      calculation_field: 'end_time',
      event: { type: 'CICD_JOB_RUN', values: jobs },
      filter: statuses ? { job_statuses: statuses } : {},
    });
    const ids = [CICD_INTEGRATIONS[0].id];
    return {
      lead_time_for_changes: leadTimeSection('SCM', 1, 7),
      mean_time_to_restore: leadTimeSection('SCM', 1, 3),
      deployment_frequency: {
        ...metric(ids, 'jenkins'),
        calculation_field: 'end_time',
        filters: { deployment_frequency: runs() },
      },
      change_failure_rate: {
        ...metric(ids, 'jenkins'),
        is_absolute: false,
        calculation_field: 'end_time',
        filters: { failed_deployment: runs(['FAILURE']), total_deployment: runs() },
      },
    };
  }
  if (source === 'IM') {
    const issues = (filter: Record<string, string[]>) => ({
      integration_type: 'IM',
      calculation_field: 'issue_resolved_at',
      filter,
    });
    const ids = [JIRA_INTEGRATION_IDS[0]];
    return {
      lead_time_for_changes: leadTimeSection('IM', 3, 10),
      mean_time_to_restore: leadTimeSection('IM', 1, 5),
      deployment_frequency: {
        ...metric(ids, 'jira'),
        calculation_field: 'issue_resolved_at',
        filters: { deployment_frequency: issues({ statuses: ['DONE'] }) },
      },
      change_failure_rate: {
        ...metric(ids, 'jira'),
        is_absolute: true,
        calculation_field: 'issue_resolved_at',
        filters: { failed_deployment: issues({ statuses: ['DONE'], issue_types: ['BUG'] }) },
      },
    };
  }
  const prs = (scmFilters: Record<string, Record<string, string[]>>) => ({
    integration_type: 'SCM',
    deployment_route: 'pr',
    deployment_criteria: 'pr_merged',
    calculation_field: 'pr_merged_at',
    scm_filters: scmFilters,
  });
  const ids = [GITHUB_INTEGRATION_IDS[0]];
  return {
    lead_time_for_changes: leadTimeSection('SCM', 2, 4),
    mean_time_to_restore: leadTimeSection('SCM', 1, 2),
    deployment_frequency: {
      ...metric(ids, 'github'),
      calculation_field: 'pr_merged_at',
      filters: { deployment_frequency: prs({ target_branch: { $begins: ['main'] } }) },
    },
    change_failure_rate: {
      ...metric(ids, 'github'),
      is_absolute: false,
      calculation_field: 'pr_merged_at',
      // Hotfixes land on the release branch: they are the failed deployments.
      filters: {
        failed_deployment: prs({ target_branch: { $begins: ['release'] } }),
        total_deployment: prs({}),
      },
    },
  };
}
