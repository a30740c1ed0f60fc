import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { post, walk } from './post.js';

const JIRA = '/v1/jira_issues/list';
const BY_UPDATED = [{ id: 'issue_updated_at', desc: false }];
const jiraKey = (r: Record<string, unknown>) => `${r.integration_id}/${r.key}`;

let sim: SimulatorHandleWithExtras;

beforeAll(async () => {
  sim = await startSimulator({ records: 1200, seed: 11, streamSizes: { org_users: 25, org_units: 13 } });
});
afterAll(async () => {
  await sim.close();
});

describe('simulator routing and auth', () => {
  it('serves every endpoint at the root and under a prefix', async () => {
    const paths = [
      '/v1/integrations/list',
      JIRA,
      '/v1/issue_mgmt/workitems/list',
      '/v1/scm/prs/list',
      '/v1/scm/commits/list',
      '/v1/cicd/job_runs/list',
      '/v1/org/users/list',
      '/v1/org/units/list',
      '/v1/org/workspaces/units/list',
    ];
    for (const path of paths) {
      for (const prefix of ['', '/gratis/sei/api']) {
        const answer = await post(sim, prefix + path, { page: 0, page_size: 5, pageSize: 5 });
        expect(answer.status, prefix + path).toBe(200);
        expect(answer.json.records.length).toBeGreaterThan(0);
        expect(answer.json.count).toBe(answer.json.records.length);
        expect(answer.headers.get('content-type')).toBe('application/json');
      }
    }
  });

  it('answers 404 on unknown paths, 405 on GET, 400 on bad JSON', async () => {
    expect((await post(sim, '/v1/nothing/list', {})).status).toBe(404);
    expect((await post(sim, '/v2/jira_issues/list', {})).status).toBe(404);
    expect((await post(sim, JIRA, {}, { method: 'GET' })).status).toBe(405);
    const bad = await post(sim, JIRA, undefined, { rawBody: '{"page": 0,' });
    expect(bad.status).toBe(400);
    expect((await post(sim, JIRA, undefined, { rawBody: '[1,2]' })).status).toBe(400);
  });

  it('takes any case of APIKEY/Bearer, refuses missing and unknown keys (401) and Ingestion keys (403)', async () => {
    for (const scheme of ['APIKEY', 'ApiKey', 'Apikey', 'apikey', 'Bearer', 'bearer']) {
      expect(
        (await post(sim, JIRA, { page_size: 1 }, { authorization: `${scheme} ${sim.adminKey}` })).status,
      ).toBe(200);
    }
    const missing = await post(sim, JIRA, {}, { authorization: null });
    expect(missing.status).toBe(401);
    expect(missing.text).not.toContain(sim.adminKey);
    expect((await post(sim, JIRA, {}, { authorization: 'APIKEY wrong' })).status).toBe(401);
    expect((await post(sim, JIRA, {}, { authorization: `Basic ${sim.adminKey}` })).status).toBe(401);
    expect((await post(sim, JIRA, {}, { authorization: sim.adminKey })).status).toBe(401);
    const ingestion = await post(sim, JIRA, {}, { authorization: `APIKEY ${sim.ingestionKey}` });
    expect(ingestion.status).toBe(403);
    expect(ingestion.json.message).toMatch(/Admin/);
  });
});

describe('simulator page sizes', () => {
  it('defaults to 1000 and caps Jira at 10000', async () => {
    const first = await post(sim, JIRA, { page: 0, sort: BY_UPDATED });
    expect(first.json.count).toBe(1000);
    expect(first.json._metadata.page_size).toBe(1000);
    const tooBig = await post(sim, JIRA, { page: 0, page_size: 10_001 });
    expect(tooBig.status).toBe(400);
    expect(tooBig.json.message).toBe('page_size cannot exceed 10000');
    expect((await post(sim, JIRA, { page: 0, page_size: 10_000 })).status).toBe(200);
    expect((await post(sim, JIRA, { page: 0, page_size: 0 })).status).toBe(400);
    expect((await post(sim, JIRA, { page: -1 })).status).toBe(400);
  });

  it('reads pageSize (not page_size) on collection categories', async () => {
    const categories = '/v1/org/workspaces/units/list';
    expect((await post(sim, categories, { page: 0, pageSize: 1 })).json.count).toBe(1);
    const ignored = await post(sim, categories, { page: 0, page_size: 1 });
    expect(ignored.json.count).toBe(3);
    expect(ignored.json._metadata.page_size).toBe(1000);
    // Other endpoints ignore pageSize.
    expect((await post(sim, '/v1/integrations/list', { page: 0, pageSize: 1 })).json.count).toBe(7);
  });
});

describe('simulator paging quirks', () => {
  it('says has_next on an exactly full last page, then serves an empty page without next_page', async () => {
    const last = await post(sim, JIRA, { page: 1, page_size: 600, sort: BY_UPDATED });
    expect(last.json.count).toBe(600);
    expect(last.json._metadata).toMatchObject({ has_next: true, next_page: 2, total_count: 1200, page: 1 });
    const empty = await post(sim, JIRA, { page: 2, page_size: 600, sort: BY_UPDATED });
    expect(empty.json.records).toEqual([]);
    expect(empty.json.count).toBe(0);
    expect(empty.json._metadata.has_next).toBe(false);
    expect('next_page' in empty.json._metadata).toBe(false);
    const short = await post(sim, JIRA, { page: 1, page_size: 700, sort: BY_UPDATED });
    expect(short.json.count).toBe(500);
    expect(short.json._metadata.has_next).toBe(false);
    expect(short.text).not.toContain('null');
  });

  it('org users: has_next = total_count > count (true on the last page and past it), non_users_count', async () => {
    const users = '/v1/org/users/list';
    const sort = [{ id: 'full_name', desc: false }];
    const last = await post(sim, users, { page: 2, page_size: 10, sort });
    expect(last.json.count).toBe(5);
    expect(last.json._metadata).toMatchObject({ has_next: true, total_count: 25 });
    const past = await post(sim, users, { page: 3, page_size: 10, sort });
    expect(past.json.count).toBe(0);
    expect(past.json._metadata.has_next).toBe(true);
    expect(past.json.non_users_count).toBe(3);
    const all = await post(sim, users, { page: 0, page_size: 100, sort });
    expect(all.json.records.filter((u) => u.id === '0')).toHaveLength(3);
  });

  it('org units: total_count is the count of the current page', async () => {
    const page0 = await post(sim, '/v1/org/units/list', {
      page: 0,
      page_size: 5,
      sort: [{ id: 'id', desc: false }],
    });
    expect(page0.json._metadata.total_count).toBe(5);
    const page2 = await post(sim, '/v1/org/units/list', {
      page: 2,
      page_size: 5,
      sort: [{ id: 'id', desc: false }],
    });
    expect(page2.json.count).toBe(3);
    expect(page2.json._metadata.total_count).toBe(3);
  });

  it('returns in a walk exactly dataset.records()', async () => {
    for (const [path, stream, key] of [
      [JIRA, 'jira_issues', jiraKey],
      ['/v1/scm/prs/list', 'scm_pull_requests', (r: Record<string, unknown>) => String(r.id)],
    ] as const) {
      const walked = await walk(sim, path, { sort: [{ id: 'id', desc: true }] }, 250);
      const expected = sim.dataset.records(stream);
      expect(walked.map(key).sort()).toEqual(expected.map(key).sort());
      expect(new Set(walked.map(key)).size).toBe(walked.length);
    }
  });
});

describe('simulator filters and sort', () => {
  it('filters integration_ids (strings) and exclusive time ranges in epoch seconds', async () => {
    const all = await walk(sim, JIRA, { sort: BY_UPDATED }, 1000);
    const only379 = await walk(sim, JIRA, { sort: BY_UPDATED, filter: { integration_ids: ['379'] } }, 1000);
    expect(only379.length).toBe(all.filter((r) => r.integration_id === '379').length);
    expect(only379.length).toBeGreaterThan(0);
    const times = all.map((r) => r.issue_updated_at as number);
    const gt = times[100]!;
    const lt = times[300]!;
    const window = await walk(
      sim,
      JIRA,
      { sort: BY_UPDATED, filter: { issue_updated_at: { $gt: gt, $lt: lt } } },
      1000,
    );
    expect(window.length).toBe(times.filter((t) => t > gt && t < lt).length);
    for (const r of window) {
      expect(r.issue_updated_at as number).toBeGreaterThan(gt);
      expect(r.issue_updated_at as number).toBeLessThan(lt);
    }
    expect((await post(sim, JIRA, { filter: { issue_updated_at: 5 } })).status).toBe(400);
  });

  it('filters job runs by start_time/end_time in seconds although records hold milliseconds', async () => {
    const path = '/v1/cicd/job_runs/list';
    const runs = await walk(sim, path, { sort: [{ id: 'end_time', desc: false }] }, 1000);
    const ended = runs.filter((r) => r.end_time !== undefined);
    const pivotMs = ended[600]!.end_time as number;
    const pivot = Math.floor(pivotMs / 1000);
    const after = await walk(
      sim,
      path,
      { sort: [{ id: 'end_time', desc: false }], filter: { end_time: { $gt: pivot } } },
      1000,
    );
    expect(after.length).toBe(ended.filter((r) => (r.end_time as number) > pivot * 1000).length);
    expect(after.every((r) => r.end_time !== undefined)).toBe(true);
    const byStart = await walk(
      sim,
      path,
      { sort: [{ id: 'start_time', desc: true }], filter: { start_time: { $lt: pivot } } },
      1000,
    );
    expect(byStart.length).toBe(runs.filter((r) => (r.start_time as number) < pivot * 1000).length);
    expect(byStart.length).toBeGreaterThan(0);
  });

  it('sorts by any top-level field, both ways, with a stable tiebreak', async () => {
    const asc = await walk(sim, JIRA, { sort: [{ id: 'priority', desc: false }] }, 100);
    const again = await walk(sim, JIRA, { sort: [{ id: 'priority', desc: false }] }, 100);
    expect(asc.map(jiraKey)).toEqual(again.map(jiraKey));
    const priorities = asc.map((r) => r.priority as string);
    expect(priorities).toEqual([...priorities].sort());
    const desc = await walk(sim, JIRA, { sort: [{ id: 'issue_created_at', desc: true }] }, 1000);
    const created = desc.map((r) => r.issue_created_at as number);
    expect(created).toEqual([...created].sort((a, b) => b - a));
  });

  it('without sort, orders differently on every request', async () => {
    const first = await post(sim, JIRA, { page: 0, page_size: 50 });
    const second = await post(sim, JIRA, { page: 0, page_size: 50 });
    expect(first.json.records.map(jiraKey)).not.toEqual(second.json.records.map(jiraKey));
    // A walk without sort repeats some records and misses others.
    const walked = await walk(sim, JIRA, {}, 100);
    expect(new Set(walked.map(jiraKey)).size).toBeLessThan(1200);
  });
});

describe('simulator stale cache and live data', () => {
  it('without there_is_no_cache=true replays the first answer to the same body', async () => {
    const local = await startSimulator({ records: 30, seed: 5 });
    try {
      const body = { page: 0, page_size: 100, sort: BY_UPDATED };
      const cached = await post(local, JIRA, body, { noCache: false });
      local.dataset.mutate('jira_issues', { delete: 5, update: 3 });
      const stale = await post(local, JIRA, body, { noCache: false });
      expect(stale.text).toBe(cached.text);
      const fresh = await post(local, JIRA, body);
      expect(fresh.json.count).toBe(25);
      expect(fresh.text).not.toBe(cached.text);
    } finally {
      await local.close();
    }
  });

  it('mutateDuringWalk shifts later pages of an offset walk', async () => {
    const local = await startSimulator({ records: 100, seed: 6 });
    try {
      const body = { sort: BY_UPDATED };
      const before = await walk(local, JIRA, body, 10);
      local.mutateDuringWalk('jira_issues', 3, { delete: 10 });
      const during = await walk(local, JIRA, body, 10);
      expect(local.dataset.count('jira_issues')).toBe(90);
      const live = new Set(local.dataset.records('jira_issues').map(jiraKey));
      const seen = new Set(during.map(jiraKey));
      // Records deleted before page 3 pull later ones forward, past the walk's offset: some live
      // records are never seen, although nothing happened to them.
      const missed = [...live].filter((key) => !seen.has(key));
      const deletedEarly = before.slice(0, 30).filter((r) => !live.has(jiraKey(r))).length;
      expect(missed.length).toBe(deletedEarly);
      // The mutation ran once: a second walk is complete.
      const after = await walk(local, JIRA, body, 10);
      expect(after.map(jiraKey).sort()).toEqual([...live].sort());
    } finally {
      await local.close();
    }
  });

  it('records each request in the request log', async () => {
    const local = await startSimulator({ records: 20, seed: 9, requestLogLimit: 3 });
    try {
      await post(local, '/gratis/sei/api/v1/scm/commits/list', { page: 1, page_size: 15 });
      await post(local, JIRA, {}, { authorization: 'APIKEY nope' });
      expect(local.requestLog).toHaveLength(2);
      expect(local.requestLog[0]).toMatchObject({
        method: 'POST',
        path: '/gratis/sei/api/v1/scm/commits/list',
        query: 'there_is_no_cache=true',
        page: 1,
        pageSize: 15,
        status: 200,
        records: 5,
      });
      expect(local.requestLog[0]?.fault).toBeUndefined();
      expect(typeof local.requestLog[0]?.at).toBe('number');
      expect(local.requestLog[1]).toMatchObject({ status: 401, records: 0, path: JIRA });
      await post(local, JIRA, {});
      await post(local, JIRA, {});
      expect(local.requestLog).toHaveLength(3);
      local.clearRequestLog();
      expect(local.requestLog).toHaveLength(0);
    } finally {
      await local.close();
    }
  });
});
