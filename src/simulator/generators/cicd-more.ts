/**
 * More CI/CD: test results of job runs (`/v1/cicd/job_runs/tests/list`, CiCdJobRunTest: the run's
 * `start_time`/`end_time` in ms, `duration` float seconds, `status` upper case), instances
 * (`/v1/cicd/instances/list`, CICDInstance: Instants in ms) and jobs (`/v1/cicd/jobs/list`: `{id,
 * name}`, served only when the simulator is told the endpoint was fixed).
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import { type Rng, recordRng, unit } from '../random.js';
import { CICD_INTEGRATIONS, STREAM_TAGS } from '../universe.js';
import { cicdJobId, cicdJobRunsGenerator, JOBS } from './cicd-job-runs.js';
import { compact, type GeneratorContext, HISTORY_SECONDS, type StreamGenerator } from './types.js';

/** Tests reported by each run; test `k` of a job has the same name in every run of it. */
export const TESTS_PER_RUN = 8;
/** Test number that fails now and then whatever the change (a flaky test). */
export const FLAKY_TEST = 5;
const SUITES = ['Api', 'Billing', 'Search', 'Auth'] as const;
const CASES = [
  'createsInvoice',
  'roundsTotals',
  'rejectsExpiredToken',
  'paginatesResults',
  'retriesOnTimeout',
  'survivesConcurrentWrites',
  'exportsCsv',
  'migratesSchema',
] as const;

const camel = (name: string) => name.replace(/-(.)/g, (_, c: string) => c.toUpperCase());

export function cicdJobRunTestsGenerator(ctx: GeneratorContext): StreamGenerator {
  const TAG = STREAM_TAGS.cicd_job_run_tests;
  const runs = cicdJobRunsGenerator(ctx);
  const runOf = (o: number) => Math.floor(o / TESTS_PER_RUN);
  const runTime = (field: 'start_time' | 'end_time') => (o: number) =>
    runs.fastFields[field]?.(runOf(o)) ?? Number.NaN;

  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, TAG, o);
    // The id is the first draw, so `fastFields.id` can compute it without building the record.
    const id = rng.uuid();
    const run = runs.generate(runOf(o), o < ctx.sizes.cicd_job_run_tests ? ctx.endSeconds : end);
    const k = o % TESTS_PER_RUN;
    const suite = `com.acme.${camel(String(run.job_name))}.${SUITES[k % SUITES.length]}Test`;
    const failed =
      (k === 0 && run.status === 'FAILURE') || (k === FLAKY_TEST && unit(ctx.seed, TAG, o, 3) < 0.35);
    const skipped = !failed && k === TESTS_PER_RUN - 1 && unit(ctx.seed, TAG, o, 4) < 0.5;
    const message = `expected:<10.00> but was:<9.99> in ${CASES[k]}`;
    return compact({
      id,
      cicd_job_run_id: run.id,
      test_suite: suite,
      test_name: `${suite}.${CASES[k]}`,
      status: failed ? 'FAILED' : skipped ? 'SKIPPED' : 'PASSED',
      duration: skipped ? 0 : Math.round((0.02 + rng.next() * 4) * 1000) / 1000,
      error_details: failed ? message : undefined,
      error_stacktrace: failed
        ? `java.lang.AssertionError: ${message}\n\tat ${suite}.${CASES[k]}(${suite}.java:42)`
        : undefined,
      job_status: run.status,
      job_name: run.job_name,
      job_run_number: String(run.job_run_number),
      cicd_user_id: run.cicd_user_id,
      start_time: run.start_time,
      end_time: run.end_time,
      job_normalized_full_name: run.job_normalized_full_name,
      project_name: 'acme',
    });
  }

  return {
    stream: 'cicd_job_run_tests',
    generate,
    fastFields: {
      id: (o) => recordRng(ctx.seed, STREAM_TAGS.cicd_job_run_tests, o).uuid(),
      start_time: runTime('start_time'),
      end_time: runTime('end_time'),
    },
    key: (record) => String(record.id),
    updatedAt: { field: 'end_time', unit: 'ms' },
    timeFilters: { start_time: 'ms', end_time: 'ms' },
    // The integration is the run's instance's, which test records do not carry.
    integrationField: undefined,
    /** The run was recorded again (a rerun): its tests come back with its new end and outcome. */
    update: (record: SeiRecord, rng: Rng, nowMs: number) => ({
      ...record,
      status: rng.chance(0.8) ? 'PASSED' : 'FAILED',
      end_time: nowMs,
    }),
  };
}

const INSTANCES = [
  {
    name: 'jenkins-prod',
    type: 'jenkins',
    integration: CICD_INTEGRATIONS[0].id,
    url: 'https://jenkins.acme.io/',
  },
  {
    name: 'harness-cd',
    type: 'harnessng',
    integration: CICD_INTEGRATIONS[1].id,
    url: 'https://app.harness.io/',
  },
  // Installed, heartbeating, not yet attached to an integration.
  { name: 'jenkins-legacy', type: 'jenkins', integration: undefined, url: 'https://legacy-ci.acme.io/' },
] as const;

export function cicdInstancesGenerator(ctx: GeneratorContext): StreamGenerator {
  const TAG = STREAM_TAGS.cicd_instances;
  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, TAG, o);
    const instance = INSTANCES[o] ?? {
      name: `jenkins-${o}`,
      type: 'jenkins',
      integration: undefined,
      url: `https://ci-${o}.acme.io/`,
    };
    const seeded = o < ctx.sizes.cicd_instances;
    const created = (seeded ? ctx.endSeconds - HISTORY_SECONDS - rng.int(86_400 * 30) : end) * 1000;
    const heartbeat = (seeded ? ctx.endSeconds - rng.between(30, 600) : end) * 1000;
    const jenkins = instance.type === 'jenkins';
    return compact({
      id: rng.uuid(),
      name: instance.name,
      url: instance.url,
      integration_id: instance.integration,
      type: instance.type,
      config: jenkins ? { heartbeat_duration: 60 } : {},
      config_updated_at: jenkins ? created + 3_600_000 : undefined,
      details: jenkins ? { jenkins_version: '2.426.1', plugin_version: '1.0.36' } : {},
      last_hb_at: heartbeat,
      created_at: created,
      updated_at: heartbeat,
    });
  }
  return {
    stream: 'cicd_instances',
    generate,
    fastFields: {},
    key: (record) => String(record.id),
    updatedAt: { field: 'updated_at', unit: 'ms' },
    timeFilters: { created_at: 'ms', updated_at: 'ms' },
    integrationField: 'integration_id',
    /** A heartbeat: the plugin reported in. */
    update: (record: SeiRecord, _rng: Rng, nowMs: number) => ({
      ...record,
      last_hb_at: nowMs,
      updated_at: nowMs,
    }),
  };
}

/** What `/v1/cicd/jobs/list` would serve had CiCdJobsService.list been written: `{id, name}` per job. */
export function cicdJobsGenerator(ctx: GeneratorContext): StreamGenerator {
  const nameOf = (o: number) => JOBS[o]?.name ?? `job-${o}`;
  return {
    stream: 'cicd_jobs',
    generate: (o) => ({ id: cicdJobId(ctx.seed, nameOf(o)), name: nameOf(o) }),
    fastFields: { id: (o) => cicdJobId(ctx.seed, nameOf(o)) },
    key: (record) => String(record.id),
    updatedAt: undefined,
    timeFilters: {},
    integrationField: undefined,
    update: (record: SeiRecord) => ({ ...record, name: `${String(record.name)}-renamed` }),
  };
}
