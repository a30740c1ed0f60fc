import type { AnyStreamName } from '../../../src/streams/types.js';

/** The windows end before 2024-12-01 (the simulator's records lie before 2025). */
export const AS_OF = new Date('2024-12-01T00:00:00Z');

/** The streams DORA reads (collections, profiles) and the warehouse's own side of the side-by-side. */
export const SOURCES: AnyStreamName[] = [
  'org_units',
  'workflow_profiles',
  'scm_pull_requests',
  'cicd_job_runs',
  'jira_issues',
];
