/**
 * CI/CD job runs (`/v1/cicd/job_runs/list`): UUID `id`, `start_time` / `end_time` in epoch
 * MILLISECONDS (no `end_time` and no `duration` while RUNNING), `duration` in seconds. Deploy jobs
 * carry `env` and `tags` (`deploy`, `prod`) so deployment-frequency reports have something to count.
 * Filters on `start_time` / `end_time` take epoch SECONDS like every other SEI time filter.
 */
import type { SeiRecord } from '../../extract/sei/types.js';
import { hash32, type Rng, recordRng, unit } from '../random.js';
import { CICD_INTEGRATIONS, STREAM_TAGS } from '../universe.js';
import {
  bulkInstant,
  compact,
  type GeneratorContext,
  HISTORY_SECONDS,
  type StreamGenerator,
} from './types.js';

const TAG = STREAM_TAGS.cicd_job_runs;
export const JOBS = [
  { name: 'web-build', folder: 'ci', env: undefined },
  { name: 'api-build', folder: 'ci', env: undefined },
  { name: 'api-integration-tests', folder: 'ci', env: undefined },
  { name: 'deploy-web', folder: 'deploy', env: 'prod' },
  { name: 'deploy-api', folder: 'deploy', env: 'prod' },
  { name: 'deploy-api-staging', folder: 'deploy', env: 'staging' },
] as const;

/** Where in its second a batch of runs ends: exclusive bounds in seconds select it from the second before. */
const BATCH_FRACTION_MS = 271;

export function cicdJobRunsGenerator(ctx: GeneratorContext): StreamGenerator {
  /** A batch of pipeline runs (a fan-out stage) ends at one instant, to the millisecond (a fraction of a second in). */
  const batchEnd = (o: number, end: number) => bulkInstant(ctx.seed, TAG, o, ctx.sizes.cicd_job_runs, end);
  const startMs = (o: number, end: number) => {
    const batch = batchEnd(o, end);
    if (batch !== undefined) return (batch - durationSeconds(o)) * 1000 + BATCH_FRACTION_MS;
    return (end - 7200) * 1000 - Math.floor(unit(ctx.seed, TAG, o, 1) * HISTORY_SECONDS * 1000);
  };
  const cicd = (o: number) => CICD_INTEGRATIONS[o % 3 === 2 ? 1 : 0] as (typeof CICD_INTEGRATIONS)[number];
  /** Runs still going: rare, and only in the seeded data's most recent week. */
  const running = (o: number, end: number) =>
    batchEnd(o, end) === undefined &&
    startMs(o, end) > (end - 7 * 86_400) * 1000 &&
    unit(ctx.seed, TAG, o, 3) < 0.05;
  function durationSeconds(o: number): number {
    return 30 + Math.floor(unit(ctx.seed, TAG, o, 2) * 1800);
  }
  const endMs = (o: number, end: number) =>
    running(o, end) ? Number.NaN : startMs(o, end) + durationSeconds(o) * 1000;

  function generate(o: number, end: number): SeiRecord {
    const rng = recordRng(ctx.seed, TAG, o);
    // The id is the first draw, so `fastFields.id` can compute it without building the record.
    const id = rng.uuid();
    const job = JOBS[hash32(ctx.seed, TAG, o, 4) % JOBS.length] as (typeof JOBS)[number];
    const integration = cicd(o);
    const start = startMs(o, end);
    const isRunning = running(o, end);
    const roll = rng.next();
    const status = isRunning ? 'RUNNING' : roll < 0.8 ? 'SUCCESS' : roll < 0.95 ? 'FAILURE' : 'ABORTED';
    const person = ctx.universe.person(rng.int(ctx.universe.personCount));
    return compact({
      id,
      job_id: cicdJobId(ctx.seed, job.name),
      job_name: job.name,
      job_normalized_full_name: `${job.folder}/${job.name}/main`,
      cicd_instance_name: integration.instance,
      cicd_integration_id: integration.id,
      job_run_number: 1 + Math.floor(o / JOBS.length),
      status,
      start_time: start,
      end_time: isRunning ? undefined : endMs(o, end),
      duration: isRunning ? undefined : durationSeconds(o),
      cicd_user_id: rng.chance(0.2) ? 'SCMTrigger' : person.jenkinsLogin,
      scm_commit_ids: [rng.hex(40)],
      env: job.env,
      tags: job.env ? ['deploy', job.env] : [],
      params: job.env ? [{ name: 'ENVIRONMENT', value: job.env }] : [],
    });
  }

  /** A rerun recorded again: the run ends (or restarts) now. */
  function update(record: SeiRecord, rng: Rng, nowMs: number): SeiRecord {
    const next: SeiRecord = { ...record, status: rng.chance(0.8) ? 'SUCCESS' : 'FAILURE', end_time: nowMs };
    const started = Number(record.start_time);
    if (started > nowMs) next.start_time = nowMs - 60_000;
    next.duration = Math.round((nowMs - Number(next.start_time)) / 1000);
    return next;
  }

  return {
    stream: 'cicd_job_runs',
    generate,
    fastFields: {
      id: (o) => recordRng(ctx.seed, TAG, o).uuid(),
      cicd_integration_id: (o) => cicd(o).id,
      start_time: (o) => startMs(o, ctx.endSeconds),
      end_time: (o) => endMs(o, ctx.endSeconds),
    },
    key: (record) => String(record.id),
    updatedAt: { field: 'end_time', unit: 'ms' },
    timeFilters: { start_time: 'ms', end_time: 'ms' },
    integrationField: 'cicd_integration_id',
    update,
  };
}

/** The id SEI gives a job (`cicd_job_id`), seeded by its name: per job, not per run. */
export function cicdJobId(seed: number, jobName: string): string {
  let h = 0;
  for (let k = 0; k < jobName.length; k++) h = Math.imul(h ^ jobName.charCodeAt(k), 0x01000193);
  return recordRng(seed, 99, h >>> 0).uuid();
}
