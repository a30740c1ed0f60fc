/**
 * The simulator's DORA endpoints against a tiny hand-made dataset: each expected bucket is counted by
 * hand from a few records on known days (docs/sei-dora-server.md §1-§6), over real HTTP on loopback.
 * Collections: 76 has the SCM profile, 77 the CI/CD one, 78 the Jira one, 79 none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeiRecord } from '../../../src/extract/sei/types.js';
import { javaHashSetFirst } from '../../../src/simulator/dora/routes.js';
import { cicdJobId } from '../../../src/simulator/generators/cicd-job-runs.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { addRecord, editRecord, liveRecords } from '../../support/server-edits.js';

const SEED = 3;
const DAY = 86_400;
/** 2024-11-01T00:00:00Z, a Friday. */
const NOV_1 = 1_730_419_200;
const at = (day: number, hour: number) => NOV_1 + (day - 1) * DAY + hour * 3600;
/** November 2024 as the UI asks for it: `$gt` midnight, `$lt` the last second of the 30th. */
const NOVEMBER = { $gt: String(NOV_1), $lt: String(NOV_1 + 30 * DAY - 1) };

let sim: SimulatorHandleWithExtras;

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${sim.url}${path}?there_is_no_cache=true`, {
    method: 'POST',
    headers: { authorization: `ApiKey ${sim.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const dora = (metric: string, ouIds: unknown[] = [76], range: unknown = NOVEMBER) =>
  post(`/v1/dora/${metric}`, { filter: { time_range: range }, ou_ids: ouIds });

let prCount = 0;
function pr(fields: SeiRecord): SeiRecord {
  prCount++;
  const merged = Number(fields.pr_merged_at ?? 0);
  return addRecord(
    sim,
    'scm_pull_requests',
    {
      id: `00000000-0000-4000-8000-${String(prCount).padStart(12, '0')}`,
      integration_id: '4021',
      repo_id: ['acme/api'],
      number: String(prCount),
      title: `change ${prCount}`,
      state: merged > 0 ? 'merged' : 'open',
      merged: merged > 0,
      creator: 'someone',
      target_branch: 'main',
      lines_added: 10,
      first_review_at: 0,
      pr_created_at: merged > 0 ? merged - DAY : at(1, 1),
      pr_updated_at: merged > 0 ? merged : at(1, 1),
      pr_merged_at: merged,
      pr_closed_at: merged,
    },
    fields,
  );
}

let runCount = 0;
function run(job: string, status: string, endSeconds: number, integration = '6011'): SeiRecord {
  runCount++;
  return addRecord(
    sim,
    'cicd_job_runs',
    {
      id: `00000000-0000-4000-9000-${String(runCount).padStart(12, '0')}`,
      job_id: cicdJobId(SEED, job),
      job_name: job,
      job_normalized_full_name: `deploy/${job}/main`,
      cicd_instance_name: 'jenkins-prod',
      job_run_number: runCount,
      cicd_user_id: 'deployer',
      scm_commit_ids: [],
      tags: [],
    },
    {
      cicd_integration_id: integration,
      status,
      start_time: (endSeconds - 60) * 1000,
      end_time: endSeconds * 1000,
      duration: 60,
    },
  );
}

function issue(key: string, fields: SeiRecord): SeiRecord {
  return addRecord(
    sim,
    'jira_issues',
    { key, integration_id: '378', project: 'LEV', assignee: 'someone', status_list: [] },
    fields,
  );
}

beforeAll(async () => {
  sim = await startSimulator({
    seed: SEED,
    records: 10,
    streamSizes: { scm_pull_requests: 0, cicd_job_runs: 0, jira_issues: 0 },
  });
  // SCM (collection 76, a root collection: every PR of integration 4021 merged to main counts).
  pr({ pr_merged_at: at(4, 10) }); // Monday 4th
  pr({ pr_merged_at: at(4, 15) }); // same day
  pr({ pr_merged_at: at(6, 8), target_branch: 'release/2.1' }); // a hotfix: the failure
  pr({ pr_merged_at: at(30, 23) }); // the last day, inside $lt
  pr({}); // open: not a deployment
  pr({ pr_merged_at: at(5, 9), integration_id: '4022' }); // not the profile's integration
  pr({ pr_merged_at: NOV_1 - 1 }); // Oct 31st 23:59:59: outside
  // CI/CD (collection 77: runs of deploy-api and deploy-web on Jenkins 6011).
  run('deploy-api', 'SUCCESS', at(5, 12));
  run('deploy-api', 'FAILURE', at(5, 13));
  run('deploy-web', 'SUCCESS', at(12, 9));
  run('web-build', 'SUCCESS', at(12, 10)); // not a chosen job
  run('deploy-api', 'FAILURE', at(12, 11), '7003'); // not the profile's integration
  // Jira (collection 78: DONE issues resolved, BUGs are the failures, counted absolutely).
  issue('LEV-1', { status: 'DONE', issue_type: 'TASK', issue_resolved_at: at(7, 10) });
  issue('LEV-2', { status: 'DONE', issue_type: 'BUG', issue_resolved_at: at(7, 11) });
  issue('LEV-3', { status: 'IN PROGRESS', issue_type: 'BUG', issue_resolved_at: 0 });
  issue('LEV-4', { status: 'DONE', issue_type: 'BUG', issue_resolved_at: at(8, 1), integration_id: '379' });
});

afterAll(async () => {
  await sim.close();
});

const counts = (series: unknown) => (series as { count: number }[]).map((bucket) => bucket.count);
const nonZeroDays = (json: Record<string, unknown>) =>
  ((json.time_series as { day: { key: number; count: number; additional_key: string }[] }).day ?? []).filter(
    (bucket) => bucket.count > 0,
  );

describe('simulator DORA: deployment frequency and change failure rate', () => {
  it('SCM: merged PRs to main per UTC day, filled, Monday weeks, months, stats and band', async () => {
    const { status, json } = await dora('deployment_frequency');
    expect(status).toBe(200);
    const series = json.time_series as Record<
      string,
      { key: number; count: number; additional_key: string }[]
    >;
    expect(series.day).toHaveLength(30);
    expect(series.day?.[0]).toEqual({ key: NOV_1, count: 0, additional_key: '01-11-2024' });
    expect(nonZeroDays(json)).toEqual([
      { key: NOV_1 + 3 * DAY, count: 2, additional_key: '04-11-2024' },
      { key: NOV_1 + 29 * DAY, count: 1, additional_key: '30-11-2024' },
    ]);
    // The first week starts on Monday Oct 28th (before $gt) and holds only Nov 1st-3rd.
    expect(series.week?.map((b) => b.additional_key)).toEqual([
      '28-10-2024',
      '04-11-2024',
      '11-11-2024',
      '18-11-2024',
      '25-11-2024',
    ]);
    expect(series.week?.[0]?.key).toBe(NOV_1 - 4 * DAY);
    expect(counts(series.week)).toEqual([0, 2, 0, 0, 1]);
    expect(series.month).toEqual([{ key: NOV_1, count: 3, additional_key: '01-11-2024' }]);
    // 3 deployments over ceil((lt - gt) / day) = 30 days; 0.1 × 7 < 1 ≤ 0.1 × 30: MEDIUM.
    expect(json.stats).toEqual({
      count_per_day: 0.1,
      count_per_week: 0.1 * 7,
      count_per_month: 0.1 * 30,
      band: 'MEDIUM',
      total_deployment: 3,
    });
  });

  it('SCM: failures over every merged PR, as a percentage with its band', async () => {
    const { status, json } = await dora('change_failure_rate');
    expect(status).toBe(200);
    expect(nonZeroDays(json)).toEqual([{ key: NOV_1 + 5 * DAY, count: 1, additional_key: '06-11-2024' }]);
    expect(json.stats).toEqual({ failure_rate: 25, band: 'HIGH', total_deployment: 4, is_absolute: false });
  });

  it('CI/CD: runs of the chosen jobs by end_time; failures by status', async () => {
    const df = await dora('deployment_frequency', [77]);
    expect(nonZeroDays(df.json).map((b) => [b.additional_key, b.count])).toEqual([
      ['05-11-2024', 2],
      ['12-11-2024', 1],
    ]);
    const cfr = await dora('change_failure_rate', [77]);
    expect(nonZeroDays(cfr.json).map((b) => [b.additional_key, b.count])).toEqual([['05-11-2024', 1]]);
    expect(cfr.json.stats).toEqual({
      failure_rate: 100 / 3,
      band: 'MEDIUM',
      total_deployment: 3,
      is_absolute: false,
    });
  });

  it('Jira: DONE issues by resolution day; an absolute CFR has no rate and no band', async () => {
    const df = await dora('deployment_frequency', [78]);
    expect(nonZeroDays(df.json).map((b) => [b.additional_key, b.count])).toEqual([['07-11-2024', 2]]);
    const cfr = await dora('change_failure_rate', [78]);
    expect(cfr.json.stats).toEqual({ total_deployment: 1, is_absolute: true });
  });

  it('$gte at midnight becomes $gt one second earlier: an extra leading day', async () => {
    const { json } = await dora('deployment_frequency', [76], { $gte: NOV_1, $lte: NOV_1 + 30 * DAY - 2 });
    const days = (json.time_series as { day: { additional_key: string }[] }).day;
    expect(days[0]?.additional_key).toBe('31-10-2024');
    expect(days).toHaveLength(31);
  });
});

describe('simulator DORA: one collection per request, and the server errors', () => {
  it('uses the first ou_id of a Java HashSet<Integer>, not of the JSON array', async () => {
    // 79 has no profile. JSON order would pick it; the HashSet iterates 80 (bucket 0) before 79 (15).
    expect((await dora('deployment_frequency', [79, 80])).status).toBe(200);
    expect((await dora('deployment_frequency', ['76'])).status).toBe(200);
    expect(javaHashSetFirst([100, 17])).toBe(17);
    // 12 ids fit 16 buckets (16 lands in bucket 0); 13 resize to 32, where 16 is bucket 16.
    const eleven = Array.from({ length: 11 }, (_, k) => k + 1);
    expect(javaHashSetFirst([16, ...eleven])).toBe(16);
    expect(javaHashSetFirst([16, ...eleven, 12])).toBe(1);
  });

  it('answers 500 with the server messages (two spaces before the id)', async () => {
    const missing = await post('/v1/dora/deployment_frequency', { filter: { time_range: NOVEMBER } });
    expect([missing.status, missing.json.message]).toEqual([500, 'ou_id is missing in request.']);
    expect((await dora('change_failure_rate', [])).json.message).toBe('ou_id is missing in request.');
    const none = await dora('deployment_frequency', [79]);
    expect([none.status, none.json.message]).toEqual([
      500,
      'Failed to get workflow profile for ou_ref_id  79',
    ]);
    expect((await post('/v1/dora/lead-time', { filter: {}, ou_ids: [83] })).status).toBe(500);
    expect((await post('/v1/dora/deployment_frequency', { ou_ids: [76] })).status).toBe(500);
    expect((await post('/v1/dora/deployment_frequency', { filter: {}, ou_ids: [76] })).status).toBe(500);
    const jira = await post('/v1/dora/deployment_frequency', { filter: {}, ou_ids: [78] });
    expect([jira.status, jira.json.message]).toEqual([
      400,
      'Error computing DORA metric, please provide Issue Resolution range.',
    ]);
  });

  it('SCM CFR without any deployment is a 500 even with no failure; CI/CD answers a 0 rate', async () => {
    const empty = { $gt: String(NOV_1 - 365 * DAY), $lt: String(NOV_1 - 335 * DAY) };
    const scm = await dora('change_failure_rate', [76], empty);
    expect([scm.status, scm.json.message]).toEqual([
      500,
      'Invalid configuration for Change Failure Rate of WorkFlow Profile: Default Workflow Profile',
    ]);
    const cicd = await dora('change_failure_rate', [77], empty);
    expect(cicd.status).toBe(200);
    expect(cicd.json.stats).toEqual({
      failure_rate: 0,
      band: 'ELITE',
      total_deployment: 0,
      is_absolute: false,
    });
  });

  it('names each collection’s profile on the org unit records (none on every fourth)', () => {
    const units = new Map(liveRecords(sim, 'org_units').map(({ record }) => [record.id, record]));
    const profiles = liveRecords(sim, 'workflow_profiles').map(({ record }) => record);
    expect(units.get('76')?.workflow_profile_id).toBe(profiles[0]?.id);
    expect(units.get('78')?.workflow_profile_name).toBe('Jira only');
    expect(units.get('79')).not.toHaveProperty('workflow_profile_id');
    expect(profiles[1]?.associated_ou_ref_ids).toEqual(['77', '81', '85', '89', '93', '97']);
  });
});

describe('simulator DORA: drilldown, lead time, contributors', () => {
  it('drilldown lists the counted rows, paginated, and needs a known widget', async () => {
    const body = { filter: { time_range: NOVEMBER }, ou_ids: [76], page_size: 2 };
    const first = await post('/v1/dora/drilldown/list', { ...body, widget: 'deployment_frequency_report' });
    expect(first.status).toBe(200);
    expect(first.json._metadata).toEqual({
      page_size: 2,
      page: 0,
      next_page: 1,
      has_next: true,
      total_count: 3,
    });
    const rows = first.json.records as SeiRecord[];
    // Newest pr_updated_at first; counts the DTO declares as String come back as strings.
    expect(rows.map((row) => row.pr_merged_at)).toEqual([at(30, 23), at(4, 15)]);
    expect(rows[0]).toMatchObject({ lines_added: '10', is_active_azure: true, target_branch: 'main' });
    expect(rows[0]).not.toHaveProperty('first_review_at');
    const failed = await post('/v1/dora/drilldown/list', {
      ...body,
      ou_ids: [77],
      widget: 'change_failure_rate',
    });
    expect(failed.json.records).toEqual([
      expect.objectContaining({ status: 'FAILURE', end_time: at(5, 13) * 1000 }),
    ]);
    expect((failed.json.records as SeiRecord[])[0]).toHaveProperty('idCicd');
    expect((await post('/v1/dora/drilldown/list', body)).status).toBe(500);
    expect((await post('/v1/dora/drilldown/list', { ...body, widget: 'lead_time' })).status).toBe(500);
  });

  it('lead time: one aggregate per stage, seconds, PERCENTILE_CONT, rated by the median', async () => {
    const december = NOV_1 + 30 * DAY;
    pr({
      pr_created_at: december + DAY,
      first_review_at: december + DAY + 3600,
      pr_merged_at: december + DAY + 10_800,
    });
    pr({ pr_created_at: december + DAY, pr_merged_at: december + 2 * DAY });
    const filter = { pr_merged_at: { $gt: String(december), $lt: String(december + 31 * DAY) } };
    const { status, json } = await post('/v1/dora/lead-time', { filter, across: 'velocity', ou_ids: [76] });
    expect(status).toBe(200);
    const limits = { lower_limit_value: 2 * DAY, lower_limit_unit: 'SECONDS', upper_limit_value: 4 * DAY };
    expect(json.records).toEqual([
      // [0 (no review: not applicable counts 0), 3600]
      expect.objectContaining({
        key: 'Time to First Comment',
        additional_key: 'Pull Request Review Started',
        median: 1800,
        mean: 1800,
        count: 2,
        p90: 3240,
        p95: 3420,
        velocity_stage_result: expect.objectContaining({ ...limits, rating: 'GOOD' }),
      }),
      // [7200, 86400]
      expect.objectContaining({ key: 'Merge Time', median: 46_800, count: 2, p90: 78_480, p95: 82_440 }),
    ]);
    expect(json._metadata).toEqual({ page_size: 1000, page: 0, has_next: false });
    const applicable = await post('/v1/dora/mean-time', {
      filter: { ...filter, limit_to_only_applicable_data: true },
      ou_ids: [76],
    });
    expect((applicable.json.records as SeiRecord[])[0]).toMatchObject({ median: 3600, count: 1 });
    const values = await post('/v1/dora/lead-time', { filter, across: 'values', ou_ids: [76] });
    expect([values.status, values.json.message]).toEqual([400, 'across value values not supported!']);
  });

  it('contributors: every org user with SCM identities, not paginated, body ignored', async () => {
    const response = await fetch(`${sim.url}/v1/sei_contributor/list`, {
      method: 'POST',
      headers: { authorization: `ApiKey ${sim.adminKey}` },
    });
    expect(response.status).toBe(200);
    const json = (await response.json()) as {
      org_user_count: number;
      integration_user_count: number;
      org_user_details: { integration_user_details: { integration_type: string }[] }[];
    };
    // 64 org users less 8 external ones, each with a login on both GitHub integrations.
    expect([json.org_user_count, json.integration_user_count]).toEqual([56, 112]);
    const types = new Set(
      json.org_user_details.flatMap((user) => user.integration_user_details.map((d) => d.integration_type)),
    );
    expect([...types]).toEqual(['github']);
  });
});

describe('simulator DORA: a dataset change restates a past day', () => {
  it('a PR merged in the past, and a run that turns out failed, change their day buckets', async () => {
    const dayOf = async (metric: string, ou: number, day: string) =>
      nonZeroDays((await dora(metric, [ou])).json).find((b) => b.additional_key === day)?.count ?? 0;
    expect(await dayOf('deployment_frequency', 76, '06-11-2024')).toBe(0);
    pr({ pr_merged_at: at(6, 20) }); // ingested late: merged on the 6th
    expect(await dayOf('deployment_frequency', 76, '06-11-2024')).toBe(1);
    expect((await dora('change_failure_rate', [76])).json.stats).toMatchObject({
      total_deployment: 5,
      failure_rate: 20,
    });

    expect(await dayOf('change_failure_rate', 77, '05-11-2024')).toBe(1);
    const success = liveRecords(sim, 'cicd_job_runs').find(({ record }) => record.status === 'SUCCESS');
    editRecord(sim, 'cicd_job_runs', success?.ordinal ?? -1, { status: 'FAILURE' });
    expect(await dayOf('change_failure_rate', 77, '05-11-2024')).toBe(2);
  });
});
