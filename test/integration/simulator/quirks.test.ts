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
      '/v1/org/groups/list',
      '/v1/org/categories/list',
    ];
    for (const path of paths) {
      for (const prefix of ['', '/gratis/sei/api']) {
        // CI/CD: a non-time `across`, or runs started more than 90 days ago are hidden.
        const answer = await post(sim, prefix + path, { page: 0, page_size: 5, across: 'job_status' });
        expect(answer.status, prefix + path).toBe(200);
        expect(answer.json.records.length).toBeGreaterThan(0);
        expect(answer.json.count).toBe(answer.json.records.length);
        expect(answer.headers.get('content-type')).toBe('application/json');
      }
    }
  });

  it('answers 404 on the documented categories route: no controller serves it', async () => {
    expect((await post(sim, '/v1/org/workspaces/units/list', { page: 0 })).status).toBe(404);
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

  it('binds page_size only: the documented pageSize of collection categories is ignored', async () => {
    const categories = '/v1/org/groups/list';
    expect((await post(sim, categories, { page: 0, page_size: 1 })).json.count).toBe(1);
    const ignored = await post(sim, categories, { page: 0, pageSize: 1 });
    expect(ignored.json.count).toBe(3);
    expect(ignored.json._metadata.page_size).toBe(1000);
    // total_count is counted over the page (LIMIT/OFFSET already applied).
    expect((await post(sim, categories, { page: 0, page_size: 2 })).json._metadata.total_count).toBe(2);
    expect((await post(sim, '/v1/integrations/list', { page: 0, pageSize: 1 })).json.count).toBe(8);
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

  it('returns in an offset walk exactly dataset.records() where the order has a tiebreaker', async () => {
    for (const [path, stream, key, sort] of [
      [JIRA, 'jira_issues', jiraKey, 'issue_updated_at'],
      [
        '/v1/issue_mgmt/workitems/list',
        'workitems',
        (r: Record<string, unknown>) => `${r.integration_id}/${r.workitem_id}`,
        'workitem_updated_at',
      ],
    ] as const) {
      const walked = await walk(sim, path, { sort: [{ id: sort, desc: true }] }, 250);
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

  it('CI/CD: bounds are strings (a number is a 500), inclusive, in seconds although records hold ms', async () => {
    const path = '/v1/cicd/job_runs/list';
    const body = { across: 'job_status', sort: [{ id: 'end_time', desc: false }] };
    const runs = await walk(sim, path, body, 1000);
    const ended = runs.filter((r) => r.end_time !== undefined);
    const pivot = Math.floor((ended[600]!.end_time as number) / 1000);
    const after = await walk(sim, path, { ...body, filter: { end_time: { $gt: String(pivot) } } }, 1000);
    expect(after.length).toBe(ended.filter((r) => (r.end_time as number) >= pivot * 1000).length);
    const asNumber = await post(sim, path, { ...body, filter: { end_time: { $gt: pivot } } });
    expect(asNumber.status).toBe(500);
    expect(asNumber.json.message).toMatch(/cannot be cast to class java.lang.String/);
    const notANumber = await post(sim, path, { ...body, filter: { end_time: { $gt: 'soon' } } });
    expect(notANumber.status).toBe(500);
    // The requested key goes into the SQL verbatim.
    expect(
      (await post(sim, path, { across: 'job_status', sort: [{ id: 'nope', desc: false }] })).status,
    ).toBe(500);
  });

  it('CI/CD: the default across (trend) hides runs started more than 90 days ago', async () => {
    const path = '/v1/cicd/job_runs/list';
    const all = await post(sim, path, { page: 0, page_size: 1, across: 'job_status' });
    expect(all.json._metadata.total_count).toBe(sim.dataset.count('cicd_job_runs'));
    // The seeded runs ended before 2025: the default list says there are none.
    for (const across of [undefined, 'trend', 'no_such_field']) {
      const hidden = await post(sim, path, { page: 0, page_size: 1, ...(across && { across }) });
      expect(hidden.json._metadata.total_count).toBe(0);
    }
  });

  it('integrations: bounds are Integers (a string is a 500) and the sort is ignored (updated_at DESC)', async () => {
    const path = '/v1/integrations/list';
    const asString = await post(sim, path, { filter: { updated_at: { $gt: '0', $lt: '2000000000' } } });
    expect(asString.status).toBe(500);
    expect(asString.json.message).toMatch(/cannot be cast to class java.lang.Integer/);
    expect(
      (await post(sim, path, { filter: { updated_at: { $gt: 0, $lt: 2_000_000_000_000 } } })).status,
    ).toBe(500);
    const answer = await post(sim, path, {
      filter: { updated_at: { $gt: 0, $lt: 2_000_000_000 } },
      sort: [{ id: 'updated_at', desc: false }],
    });
    const times = answer.json.records.map((r) => r.updated_at as number);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('Jira honours SORTABLE_COLUMNS with a stable key tiebreak; other keys fall back to issue_created_at DESC', async () => {
    const asc = await walk(sim, JIRA, { sort: BY_UPDATED }, 100);
    const again = await walk(sim, JIRA, { sort: BY_UPDATED }, 100);
    expect(asc.map(jiraKey)).toEqual(again.map(jiraKey));
    const updated = asc.map((r) => r.issue_updated_at as number);
    expect(updated).toEqual([...updated].sort((a, b) => a - b));
    const fallback = await walk(sim, JIRA, { sort: [{ id: 'priority', desc: false }] }, 1000);
    const created = fallback.map((r) => r.issue_created_at as number);
    expect(created).toEqual([...created].sort((a, b) => b - a));
    // `desc` absent means DESC (SortingConverter); only the boolean false is ascending.
    const absent = await post(sim, JIRA, { page_size: 50, sort: [{ id: 'issue_updated_at' }] });
    const times = absent.json.records.map((r) => r.issue_updated_at as number);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('PRs and commits have no tiebreaker: records sharing an instant come back in a new order on every request', async () => {
    for (const [path, field] of [
      ['/v1/scm/prs/list', 'pr_updated_at'],
      ['/v1/scm/commits/list', 'created_at'],
    ] as const) {
      const all = await walk(sim, path, { sort: [{ id: field, desc: false }] }, 2000);
      const counts = new Map<number, number>();
      for (const r of all) counts.set(r[field] as number, (counts.get(r[field] as number) ?? 0) + 1);
      const [instant, size] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
      expect(size).toBeGreaterThan(10);
      const body = {
        page: 0,
        page_size: 5,
        filter: { [field]: { $gt: instant - 1, $lt: instant + 1 } },
        sort: [{ id: field, desc: false }],
      };
      const orders = new Set<string>();
      for (let k = 0; k < 5; k++)
        orders.add(JSON.stringify((await post(sim, path, body)).json.records.map((r) => r.id)));
      expect(orders.size).toBeGreaterThan(1);
    }
  });

  it('org units have no ORDER BY: a new order on every request, and offset pages skip and repeat', async () => {
    const first = await post(sim, '/v1/org/units/list', { page: 0, page_size: 13 });
    const second = await post(sim, '/v1/org/units/list', { page: 0, page_size: 13 });
    expect(first.json.records.map((r) => r.id)).not.toEqual(second.json.records.map((r) => r.id));
    const walked = await walk(sim, '/v1/org/units/list', {}, 3);
    expect(new Set(walked.map((r) => r.id)).size).toBeLessThan(13);
  });

  it('a bound the long parser cannot read is a 400 "Could not parse"', async () => {
    const answer = await post(sim, JIRA, { filter: { issue_updated_at: { $gt: 'soon' } } });
    expect(answer.status).toBe(400);
    expect(answer.json.message).toBe('Could not parse issue_updated_at field');
  });
});

describe('simulator ingestion: late commits and daily snapshots', () => {
  it('a commit pushed late keeps its old committed_at and gets a new created_at (the ingest time)', async () => {
    const local = await startSimulator({ records: 50, seed: 12 });
    try {
      const { inserted } = local.dataset.mutate('scm_commits', { lateInsert: 3 });
      const now = Math.floor(Date.now() / 1000);
      const late = local.dataset.records('scm_commits').filter((r) => inserted.includes(String(r.id)));
      expect(late).toHaveLength(3);
      for (const commit of late) {
        expect(commit.created_at as number).toBeGreaterThanOrEqual(now - 5);
        expect(commit.committed_at as number).toBeLessThan(now - 19 * 86_400);
      }
      const recent = await post(local, '/v1/scm/commits/list', {
        filter: { committed_at: { $gt: now - 86_400, $lt: now + 10 } },
      });
      expect(recent.json.count).toBe(0);
      const ingested = await post(local, '/v1/scm/commits/list', {
        filter: { created_at: { $gt: now - 86_400, $lt: now + 10 } },
      });
      expect(ingested.json.count).toBe(3);
    } finally {
      await local.close();
    }
  });

  it('switches Jira to a new daily snapshot mid-walk: every record carries it, deleted issues vanish', async () => {
    const local = await startSimulator({ records: 40, seed: 13 });
    try {
      const before = await post(local, JIRA, { page: 0, page_size: 10, sort: BY_UPDATED });
      const oldSnapshot = before.json.records[0]!.ingested_at as number;
      expect(new Set(before.json.records.map((r) => r.ingested_at))).toEqual(new Set([oldSnapshot]));
      local.switchSnapshotDuringWalk('jira_issues', 1, { delete: 2, update: 3 });
      await post(local, JIRA, { page: 0, page_size: 10, sort: BY_UPDATED });
      const after = await post(local, JIRA, { page: 0, page_size: 100, sort: BY_UPDATED });
      expect(after.json.count).toBe(38);
      const snapshots = new Set(after.json.records.map((r) => r.ingested_at as number));
      expect(snapshots.size).toBe(1);
      expect([...snapshots][0]).toBeGreaterThan(oldSnapshot);
    } finally {
      await local.close();
    }
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
      // Before the fourth request from now: page 3 of the next walk.
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
