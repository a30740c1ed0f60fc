/**
 * The simulator's endpoints of issue 14 do what the server's code does (server-facts-new-streams):
 * typed bounds, counts only on full pages, every sort key in HashMap order, a cache without the page,
 * a field stamped with the request time, a field served on request, an endpoint that always fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { javaHashMapOrder } from '../../../src/simulator/endpoints.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { post, walk } from './post.js';

let sim: SimulatorHandleWithExtras;

beforeAll(async () => {
  sim = await startSimulator({ records: 200, seed: 31 });
});
afterAll(async () => {
  await sim.close();
});

describe('simulator endpoints of the streams added since (issue 14)', () => {
  it('serves every new list, the workspaces under both routes', async () => {
    for (const path of [
      '/v1/jira_issues/sprints/list',
      '/v1/jira_fields/list',
      '/v1/jiraprojects/list',
      '/v1/issue_mgmt/sprints/list',
      '/v1/user_identities/list',
      '/v1/scm/issues/list',
      '/v1/cicd/job_runs/tests/list',
      '/v1/cicd/instances/list',
      '/v1/pagerduty/aggregations/incidents/list',
      '/v1/pagerduty/aggregations/alerts/list',
      '/v1/products/list',
      '/v1/org/workspaces/list',
      '/v1/velocity_configs/list',
    ]) {
      const answer = await post(sim, `/gratis/sei/api${path}`, { page: 0, page_size: 3 });
      expect(answer.status, path).toBe(200);
      expect(answer.json.records.length, path).toBeGreaterThan(0);
    }
  });

  it('cicd jobs: every request answers 500 with the controller message (CiCdJobsService.list returns null)', async () => {
    const answer = await post(sim, '/v1/cicd/jobs/list', { page: 0, page_size: 10 });
    expect(answer.status).toBe(500);
    expect(answer.json.message).toMatch(/^Unable to complete the request/);
  });

  it('reads bounds as the controllers do: strings only (user identities, CI/CD tests), numbers only (products)', async () => {
    const range = (value: unknown) => ({ $gt: value, $lt: value === '1' ? '2000000000' : 2_000_000_000 });
    for (const [path, field, good, bad] of [
      ['/v1/user_identities/list', 'updated_at', '1', 1],
      ['/v1/cicd/job_runs/tests/list', 'end_time', '1', 1],
      ['/v1/products/list', 'updated_at', 1, '1'],
    ] as const) {
      expect((await post(sim, path, { page_size: 1, filter: { [field]: range(good) } })).status, path).toBe(
        200,
      );
      const refused = await post(sim, path, { page_size: 1, filter: { [field]: range(bad) } });
      expect(refused.status, path).toBe(500);
      expect(refused.json.message).toMatch(/cannot be cast/);
    }
  });

  it('jira fields, projects, workspaces: total_count is a count only on pages that hold records (0 past the end)', async () => {
    const count = async (path: string, page: number, size: number) =>
      (await post(sim, path, { page, page_size: size })).json._metadata.total_count;
    for (const [path, stream] of [
      ['/v1/jira_fields/list', 'jira_fields'],
      ['/v1/jiraprojects/list', 'jira_projects'],
      ['/v1/products/list', 'products'],
    ] as const) {
      const total = sim.dataset.count(stream);
      expect(await count(path, 0, 1), path).toBe(total);
      expect(await count(path, 0, total + 5), path).toBe(total);
      expect(await count(path, 9, total), path).toBe(0);
    }
    // Sprints count every page (a COUNT(*) of the filter), past the end too.
    expect(await count('/v1/jira_issues/sprints/list', 9, 100)).toBe(sim.dataset.count('jira_sprints'));
  });

  it('CI/CD tests: every sort key is applied, in Java HashMap order (end_time before id, whatever was asked)', async () => {
    expect(
      javaHashMapOrder([
        { id: 'id', desc: false },
        { id: 'end_time', desc: false },
      ]).map((spec) => spec.id),
    ).toEqual(['end_time', 'id']);
    const sort = [
      { id: 'id', desc: false },
      { id: 'end_time', desc: false },
    ];
    const records = await walk(sim, '/v1/cicd/job_runs/tests/list', { sort }, 37);
    const keys = records.map(
      (record) => [Number(record.end_time ?? Number.POSITIVE_INFINITY), String(record.id)] as const,
    );
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    expect(keys).toEqual(sorted);
    // A column the subquery does not have is a SQL error.
    expect(
      (await post(sim, '/v1/cicd/job_runs/tests/list', { sort: [{ id: 'nope', desc: false }] })).status,
    ).toBe(500);
  });

  it('user identities: the cached answer ignores the page (page 1 repeats page 0 without there_is_no_cache)', async () => {
    const body = { page_size: 5, sort: [{ id: 'updated_at', desc: false }] };
    const first = await post(sim, '/v1/user_identities/list', { ...body, page: 0 }, { noCache: false });
    const second = await post(sim, '/v1/user_identities/list', { ...body, page: 1 }, { noCache: false });
    expect(second.json.records).toEqual(first.json.records);
    expect(second.json._metadata.page).toBe(1);
    const fresh = await post(sim, '/v1/user_identities/list', { ...body, page: 1 });
    expect(fresh.json.records).not.toEqual(first.json.records);
  });

  it('PagerDuty alerts: alert_acknowledged_at is the request time unless the alert is acknowledged', async () => {
    const before = Date.now();
    const alerts = await walk(sim, '/v1/pagerduty/aggregations/alerts/list', {}, 1000);
    const stamped = alerts.filter((alert) => alert.status !== 'acknowledged');
    expect(stamped.length).toBeGreaterThan(0);
    for (const alert of stamped) expect(Number(alert.alert_acknowledged_at)).toBeGreaterThanOrEqual(before);
    for (const alert of alerts.filter((a) => a.status === 'acknowledged'))
      expect(Number(alert.alert_acknowledged_at)).toBeLessThan(before);
  });

  it('PagerDuty incidents: sorted by incident_created_at when asked (the record calls it created_at)', async () => {
    const incidents = await walk(
      sim,
      '/v1/pagerduty/aggregations/incidents/list',
      { sort: [{ id: 'incident_created_at', desc: false }] },
      1000,
    );
    const created = incidents.map((incident) => Number(incident.created_at));
    expect(created).toEqual([...created].sort((a, b) => a - b));
  });

  it('work items carry sprint_full_names only when the filter asks for them', async () => {
    const plain = await walk(sim, '/v1/issue_mgmt/workitems/list', {}, 1000);
    expect(plain.some((item) => 'sprint_full_names' in item)).toBe(false);
    const asked = await walk(
      sim,
      '/v1/issue_mgmt/workitems/list',
      { filter: { include_sprint_full_names: true } },
      1000,
    );
    expect(asked.every((item) => Array.isArray(item.sprint_full_names))).toBe(true);
    expect(asked.some((item) => (item.sprint_full_names as string[]).length > 0)).toBe(true);
  });

  it('jira sprints come in sprint_id order whatever was asked; both Jira sites number theirs alike', async () => {
    const sprints = await walk(
      sim,
      '/v1/jira_issues/sprints/list',
      { sort: [{ id: 'name', desc: true }] },
      1000,
    );
    const ids = sprints.map((sprint) => Number(sprint.sprint_id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(sprints.map((sprint) => sprint.integration_id))).toEqual(new Set([378, 379]));
  });
});
