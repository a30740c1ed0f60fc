/**
 * The simulated SEI 2.0 API over real HTTP: which key and account placements it accepts (per knob),
 * the required project parameters, and the paged org structure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { ACCOUNT, call, SCOPE } from './v2.js';

let sim: SimulatorHandleWithExtras;

beforeAll(async () => {
  sim = await startSimulator({ records: 20, seed: 5 });
});
afterAll(async () => {
  await sim.close();
});

describe('auth and scope', () => {
  it('accepts `authorization: ApiKey` and `x-api-key`, the account in a header or a query parameter', async () => {
    const variants: Array<[Record<string, string>, string]> = [
      [{ authorization: `ApiKey ${sim.adminKey}`, 'harness-account': ACCOUNT }, SCOPE],
      [{ 'x-api-key': sim.adminKey, 'Harness-Account': ACCOUNT }, SCOPE],
      [{ authorization: `apikey ${sim.adminKey}` }, `${SCOPE}&account=${ACCOUNT}`],
      [{ 'x-api-key': sim.adminKey }, `${SCOPE}&account=${ACCOUNT}`],
    ];
    for (const [headers, query] of variants) {
      expect((await call(sim, '/org-trees', { headers, query })).status, JSON.stringify(headers)).toBe(200);
    }
  });

  it('serves the same answer at `/v2` and `/gateway/sei/api/v2`', async () => {
    const gateway = await call(sim, '/org-trees');
    const plain = await call(sim, '/org-trees', { base: '' });
    expect(plain.status).toBe(200);
    expect(plain.json).toEqual(gateway.json);
  });

  it('refuses a missing or unknown key (401) and an Ingestion key (403)', async () => {
    const none = await call(sim, '/org-trees', { headers: { 'harness-account': ACCOUNT } });
    expect(none.status).toBe(401);
    const bearer = await call(sim, '/org-trees', {
      headers: { authorization: `Bearer ${sim.adminKey}`, 'harness-account': ACCOUNT },
    });
    expect(bearer.status).toBe(401);
    const unknown = await call(sim, '/org-trees', {
      headers: { 'x-api-key': 'nope', 'harness-account': ACCOUNT },
    });
    expect(unknown.status).toBe(401);
    const ingestion = await call(sim, '/org-trees', {
      headers: { authorization: `ApiKey ${sim.ingestionKey}`, 'harness-account': ACCOUNT },
    });
    expect(ingestion.status).toBe(403);
  });

  it('names the missing account, orgIdentifier or projectIdentifier (400) and refuses another (403)', async () => {
    const noAccount = await call(sim, '/org-trees', { headers: { authorization: `ApiKey ${sim.adminKey}` } });
    expect(noAccount.status).toBe(400);
    expect(noAccount.json.message).toMatch(/account is required/);
    const noOrg = await call(sim, '/org-trees', { query: 'projectIdentifier=sim_project' });
    expect(noOrg.status).toBe(400);
    expect(noOrg.json).toMatchObject({
      status: 'ERROR',
      message: 'orgIdentifier query parameter is required',
    });
    const noProject = await call(sim, '/developers', { query: 'orgIdentifier=default' });
    expect(noProject.status).toBe(400);
    expect(noProject.json.message).toBe('projectIdentifier query parameter is required');
    const otherProject = await call(sim, '/org-trees', {
      query: 'orgIdentifier=default&projectIdentifier=other',
    });
    expect(otherProject.status).toBe(403);
    const otherAccount = await call(sim, '/org-trees', {
      headers: { authorization: `ApiKey ${sim.adminKey}`, 'harness-account': 'someone-else' },
    });
    expect(otherAccount.status).toBe(403);
  });

  it('strict knobs: a server that takes only one key and one account placement refuses the others', async () => {
    const strict = await startSimulator({
      records: 20,
      seed: 5,
      v2: { acceptAuth: ['xApiKey'], accountIn: ['query'] },
    });
    try {
      const ok = await call(strict, '/org-trees', {
        headers: { 'x-api-key': strict.adminKey },
        query: `${SCOPE}&account=${ACCOUNT}`,
      });
      expect(ok.status).toBe(200);
      const apiKey = await call(strict, '/org-trees', {
        headers: { authorization: `ApiKey ${strict.adminKey}` },
        query: `${SCOPE}&account=${ACCOUNT}`,
      });
      expect(apiKey.status).toBe(401);
      const header = await call(strict, '/org-trees', {
        headers: { 'x-api-key': strict.adminKey, 'harness-account': ACCOUNT },
      });
      expect(header.status).toBe(400);
      expect(header.json.message).toBe('account is required in the account query parameter');
    } finally {
      await strict.close();
    }
  });

  it('answers 404 for an unknown 2.0 path and 405 for a wrong method', async () => {
    expect((await call(sim, '/nothing-here')).status).toBe(404);
    // Routed after the key, before the account: a 1.0 client on a 2.0 path learns it does not exist.
    expect(
      (await call(sim, '/jira_issues/list', { headers: { authorization: `ApiKey ${sim.adminKey}` } })).status,
    ).toBe(404);
    expect((await call(sim, '/jira_issues/list', { headers: {} })).status).toBe(401);
    expect((await call(sim, '/org-trees', { method: 'POST', body: {} })).status).toBe(405);
  });
});

describe('org structure', () => {
  it('pages org trees by pageIndex/pageSize', async () => {
    const first = await call(sim, '/org-trees?pageIndex=0&pageSize=1');
    expect(first.json).toMatchObject({
      pageIndex: 0,
      pageSize: 1,
      pageItemCount: 1,
      totalItems: 2,
      totalPages: 2,
    });
    const second = await call(sim, '/org-trees?pageIndex=1&pageSize=1');
    const past = await call(sim, '/org-trees?pageIndex=2&pageSize=1');
    expect([first.json.content[0].name, second.json.content[0].name]).toEqual(['Engineering', 'Security']);
    expect(past.json).toMatchObject({ content: [], empty: true });
    expect((await call(sim, '/org-trees?pageSize=0')).status).toBe(400);
    expect((await call(sim, '/org-trees?pageIndex=-1')).status).toBe(400);
  });

  it('serves a tree, its hierarchical teams and its integrations', async () => {
    const tree = await call(sim, '/org-trees/1');
    expect(tree.json).toMatchObject({ id: 1, name: 'Engineering', rootTeamRefId: 100, teamCount: 10 });
    const teams = await call(sim, '/org-trees/1/teams');
    const [root] = teams.json;
    expect(root).toMatchObject({ refId: 100, name: 'Engineering', parentRefId: null, leaf: false });
    expect(root.children.map((team: { name: string }) => team.name)).toEqual(['Platform', 'Product', 'Data']);
    expect(root.children[0].children).toEqual([
      { refId: 102, name: 'Payments', parentRefId: 101, leaf: true, children: [] },
      { refId: 103, name: 'Identity', parentRefId: 101, leaf: true, children: [] },
    ]);
    const integrations = await call(sim, '/org-trees/1/integrations');
    expect(integrations.json[0]).toEqual({ id: '378', name: 'Jira Cloud', type: 'jira' });
    expect((await call(sim, '/org-trees/9')).status).toBe(404);
  });

  it('pages every developer by pageIndex/pageSize: the 1.0 people, each in one leaf team', async () => {
    const people = sim.dataset
      .records('org_users')
      .filter((user) => user.id !== '0')
      .map((user) => user.email);
    const seen: Array<{ refId: string; email: string; teamRefId: number; teamName: string }> = [];
    for (let pageIndex = 0; ; pageIndex++) {
      const page = await call(sim, `/developers?pageIndex=${pageIndex}&pageSize=10`);
      expect(page.status).toBe(200);
      seen.push(...page.json.content);
      if (pageIndex + 1 >= page.json.totalPages) {
        expect(page.json.totalItems).toBe(seen.length);
        break;
      }
    }
    expect(new Set(seen.map((d) => d.refId)).size).toBe(seen.length);
    expect(seen.map((d) => d.email).sort()).toEqual([...people].sort());
    expect(seen[0]).toMatchObject({ refId: '1001', teamRefId: 102, teamName: 'Payments', orgTreeId: 1 });
  });

  it("pages a team's developers by page/size", async () => {
    const all = await call(sim, '/developers?pageSize=100');
    const payments = all.json.content.filter((d: { teamRefId: number }) => d.teamRefId === 102);
    const first = await call(sim, '/teams/102/developers?page=0&size=4');
    const second = await call(sim, '/teams/102/developers?page=1&size=4');
    expect(first.json).toMatchObject({ page: 0, size: 4, totalElements: payments.length, last: false });
    expect(second.json.last).toBe(true);
    expect([...first.json.content, ...second.json.content]).toEqual(payments);
    expect((await call(sim, '/teams/100/developers')).json.content).toEqual([]);
    expect((await call(sim, '/teams/999/developers')).status).toBe(404);
  });
});
