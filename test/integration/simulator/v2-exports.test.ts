/**
 * The simulated SEI 2.0 export jobs over real HTTP: create → poll → download (gzip CSV), the strict
 * required fields, the 30-minute reuse, the sprint/sprints path quirk, failed, stuck and cancelled
 * jobs, and restated periods.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { EXPORT_SPECS, metricValue } from '../../../src/simulator/v2/columns.js';
import { call, parseCsv, pollUntilDone, runExport } from './v2.js';

const SEED = 9;
const Q1 = { start: '2026-01-01', end: '2026-03-31' };
const ENGINEERING = {
  orgTreeName: 'Engineering',
  orgIdentifier: 'default',
  projectIdentifier: 'sim_project',
};
const efficiencyBody = {
  scope: ENGINEERING,
  dateRange: Q1,
  metricGroups: ['lttc', 'df', 'mttr', 'cfr'],
  options: { granularity: 'MONTHLY' },
};

let sim: SimulatorHandleWithExtras;
let clockMs = Date.UTC(2026, 3, 1, 12);

beforeAll(async () => {
  sim = await startSimulator({ records: 20, seed: SEED, v2: { now: () => clockMs } });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  // Each test starts 31 minutes after the last: no job of another test is reused.
  clockMs += 31 * 60_000;
  sim.v2.setFaults({ fate: {} });
});

describe('create → poll → download', () => {
  it('efficiency: 202 with a Base36 id, QUEUED → PROCESSING → COMPLETED, a gzip CSV per team per month', async () => {
    const created = await call(sim, '/insights/efficiency/exports', { body: efficiencyBody });
    expect(created.status).toBe(202);
    expect(created.json).toEqual({
      exportId: expect.stringMatching(/^[0-9a-z]+$/),
      createdAt: new Date(clockMs).toISOString(),
      message: 'Export job created',
    });
    const statusPath = `/insights/efficiency/exports/${created.json.exportId}`;
    const { statuses, last } = await pollUntilDone(sim, statusPath);
    expect(statuses).toEqual(['QUEUED', 'PROCESSING', 'COMPLETED']);
    expect(last.json.download).toMatchObject({
      url: `${sim.url}/gateway/sei/api/v2${statusPath}/download?orgIdentifier=default&projectIdentifier=sim_project`,
      filename: `efficiency_export_${created.json.exportId}.csv.gz`,
      contentType: 'text/csv',
      compression: 'gzip',
    });

    const download = await fetch(last.json.download.url, {
      headers: { authorization: `ApiKey ${sim.adminKey}`, 'harness-account': 'sim-account' },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/gzip');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(last.json.download.sizeBytes);
    expect([...bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const { header, rows } = parseCsv(gunzipSync(bytes).toString('utf8'));
    expect(header).toEqual([
      'Granularity',
      'Team',
      'Team_Hierarchy',
      'Start_Date',
      'End_Date',
      'Lead_Time_For_Changes_Hours',
      'Deployment_Frequency',
      'Deployments',
      'MTTR_Hours',
      'Change_Failure_Rate_Percent',
      'Failed_Deployments',
    ]);
    expect(rows).toHaveLength(10 * 3); // every team of the tree × Jan, Feb, Mar
    const payments = rows.filter((row) => row.Team === 'Payments');
    expect(
      payments.map((row) => [row.Granularity, row.Team_Hierarchy, row.Start_Date, row.End_Date]),
    ).toEqual([
      ['MONTHLY', 'Engineering > Platform > Payments', '2026-01-01', '2026-01-31'],
      ['MONTHLY', 'Engineering > Platform > Payments', '2026-02-01', '2026-02-28'],
      ['MONTHLY', 'Engineering > Platform > Payments', '2026-03-01', '2026-03-31'],
    ]);
    const coordinates = {
      seed: SEED,
      type: 'efficiency' as const,
      teamRefId: 102,
      periodStart: '2026-02-01',
    };
    expect(payments[1]?.MTTR_Hours).toBe(metricValue(coordinates, { name: 'MTTR_Hours', kind: 'hours' }, 0));
  });

  it('the same seed writes the same file', async () => {
    const twin = await startSimulator({ records: 20, seed: SEED });
    try {
      const mine = await runExport(sim, 'efficiency', efficiencyBody);
      const theirs = await runExport(twin, 'efficiency', efficiencyBody);
      expect(theirs.rows).toEqual(mine.rows);
    } finally {
      await twin.close();
    }
  });

  it('business alignment: the documented header start, one row per team per week of a team scope', async () => {
    const { header, rows } = await runExport(sim, 'ba', {
      scope: { teamId: '104' },
      dateRange: { start: '2026-01-05', end: '2026-01-18' },
      options: { granularity: 'WEEKLY' },
    });
    expect(header.slice(0, 7).join(',')).toBe(
      'Granularity,Team,Team_Hierarchy,Start_Date,End_Date,KTLO_story_points,KTLO_tickets',
    );
    expect(header).toContain('Uncategorized_tickets');
    // Product and its two teams, two Monday weeks each.
    expect(rows.map((row) => `${row.Team} ${row.Start_Date}`)).toEqual([
      'Product 2026-01-05',
      'Product 2026-01-12',
      'Web 2026-01-05',
      'Web 2026-01-12',
      'Mobile 2026-01-05',
      'Mobile 2026-01-12',
    ]);
  });

  it('productivity at developer level: lower-case statuses, `downloadUrl`, a row per developer per month', async () => {
    const body = {
      scope: { orgTreeName: 'Engineering', teamId: '102' },
      dateRange: { start: '2026-01-01', end: '2026-02-28' },
      metricGroups: ['volume'],
      options: { metricLevel: 'developer', granularity: 'monthly', aggregation: 'mean', format: 'csv' },
    };
    const created = await call(sim, '/insights/productivity/exports', { body });
    const { statuses, last } = await pollUntilDone(
      sim,
      `/insights/productivity/exports/${created.json.exportId}`,
    );
    expect(statuses).toEqual(['queued', 'processing', 'completed']);
    expect(last.json.downloadUrl).toMatch(/\/download\?orgIdentifier=default&projectIdentifier=sim_project$/);
    expect(last.json.download).toBeUndefined();
    const { header, rows } = await runExport(sim, 'productivity', body);
    expect(header).toEqual([
      'Granularity',
      'Team',
      'Team_Hierarchy',
      'Developer_Name',
      'Developer_Email',
      'Start_Date',
      'End_Date',
      'PR_Merged',
      'Work_Completed',
    ]);
    const developers = (await call(sim, '/teams/102/developers?size=100')).json.content;
    expect(rows).toHaveLength(developers.length * 2);
    expect(new Set(rows.map((row) => row.Developer_Email))).toEqual(
      new Set(developers.map((d: { email: string }) => d.email)),
    );
  });

  it('ticket data: a time column per asked status; `compression: none` gives plain CSV', async () => {
    const created = await call(sim, '/insights/ticket-data/exports', {
      body: {
        scope: { teamId: '202' },
        dateRange: { start: '2026-01-01', end: '2026-01-31' },
        issueStatuses: ['In Progress', 'Done'],
        options: { granularity: 'monthly', terminalDateColumn: 'issue_resolved_at', compression: 'none' },
      },
    });
    const path = `/insights/ticket-data/exports/${created.json.exportId}`;
    await pollUntilDone(sim, path);
    const download = await call(sim, `${path}/download`);
    expect(download.headers.get('content-type')).toBe('text/csv');
    const { header, rows } = parseCsv(download.bytes.toString('utf8'));
    expect(header.slice(5)).toEqual(['Issues', 'Time_In_In_Progress_Days', 'Time_In_Done_Days']);
    expect(rows).toHaveLength(1);
  });
});

describe('strict request', () => {
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    ['efficiency', 'no scope', { scope: undefined }, 'scope is required'],
    ['efficiency', 'empty scope', { scope: {} }, 'scope.teamId or scope.orgTreeName is required'],
    [
      'ba',
      'both scopes',
      { scope: { ...ENGINEERING, teamId: '102' } },
      'scope: use either teamId or orgTreeName, not both',
    ],
    [
      'sprint',
      'tree without orgIdentifier',
      { scope: { orgTreeName: 'Engineering' } },
      'scope.orgIdentifier is required when using scope.orgTreeName',
    ],
    [
      'efficiency',
      'unknown tree',
      { scope: { orgTreeName: 'Nope', orgIdentifier: 'default' } },
      'scope.orgTreeName: no org tree named "Nope"',
    ],
    ['efficiency', 'no dateRange', { dateRange: undefined }, 'dateRange is required'],
    ['efficiency', 'no start', { dateRange: { end: '2026-03-31' } }, 'dateRange.start is required'],
    ['ba', 'no end', { dateRange: { start: '2026-01-01' } }, 'dateRange.end is required'],
    [
      'efficiency',
      'bad date',
      { dateRange: { start: '2026-02-30', end: '2026-03-31' } },
      'dateRange.start must be a date as yyyy-MM-dd',
    ],
    [
      'efficiency',
      'reversed',
      { dateRange: { start: '2026-04-01', end: '2026-03-31' } },
      'dateRange.start must not be after dateRange.end',
    ],
    ['efficiency', 'no metricGroups', { metricGroups: undefined }, 'metricGroups is required'],
    [
      'efficiency',
      'unknown group',
      { metricGroups: ['lttc', 'speed'] },
      'metricGroups: unknown group speed (known: lttc, work_items, deployment_frequency, cfr, mttr, rating)',
    ],
    ['efficiency', 'no granularity', { options: {} }, 'options.granularity is required'],
    ['ba', 'no granularity', { options: {}, metricGroups: undefined }, 'options.granularity is required'],
    ['sprint', 'no granularity', { options: {}, metricGroups: undefined }, 'options.granularity is required'],
    [
      'efficiency',
      'daily',
      { options: { granularity: 'DAILY' } },
      'options.granularity must be one of WEEKLY, MONTHLY, QUARTERLY',
    ],
    [
      'efficiency',
      'json format',
      { options: { granularity: 'MONTHLY', format: 'json' } },
      'options.format must be csv',
    ],
  ];
  it.each(cases)('%s, %s: 400 naming the field', async (type, _name, change, message) => {
    const body = {
      ...efficiencyBody,
      ...(type === 'efficiency' ? {} : { metricGroups: undefined }),
      ...change,
    };
    const answer = await call(sim, `/insights/${type}/exports`, { body });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ status: 'ERROR', code: 'INVALID_REQUEST', message });
  });

  it('productivity and ticket data need no granularity (weekly), and productivity takes both scopes', async () => {
    const body = {
      scope: { orgTreeName: 'Engineering', teamId: '105' },
      dateRange: { start: '2026-01-05', end: '2026-01-11' },
    };
    const { rows } = await runExport(sim, 'productivity', body);
    expect(rows.map((row) => [row.Granularity, row.Team, row.Start_Date])).toEqual([
      ['WEEKLY', 'Web', '2026-01-05'],
    ]);
  });
});

describe('jobs over time', () => {
  it('an identical request within 30 minutes answers 200 "Using existing export" with the earlier job', async () => {
    const first = await call(sim, '/insights/efficiency/exports', { body: efficiencyBody });
    clockMs += 29 * 60_000;
    const reordered = {
      options: efficiencyBody.options,
      dateRange: efficiencyBody.dateRange,
      metricGroups: efficiencyBody.metricGroups,
      scope: efficiencyBody.scope,
    };
    const again = await call(sim, '/insights/efficiency/exports', { body: reordered });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ ...first.json, message: 'Using existing export' });
    const other = await call(sim, '/insights/efficiency/exports', {
      body: { ...efficiencyBody, metricGroups: ['lttc'] },
    });
    expect(other.status).toBe(202);
    expect(other.json.exportId).not.toBe(first.json.exportId);
    clockMs += 2 * 60_000;
    const later = await call(sim, '/insights/efficiency/exports', { body: efficiencyBody });
    expect(later.status).toBe(202);
    expect(later.json.exportId).not.toBe(first.json.exportId);
  });

  it('sprint: created at /sprint/exports, polled and downloaded at /sprints/exports only, a row per sprint', async () => {
    const body = {
      scope: { teamId: '203' },
      dateRange: { start: '2026-01-01', end: '2026-01-31' },
      options: { granularity: 'SPRINT' },
      metricGroups: ['work'],
    };
    expect((await call(sim, '/insights/sprints/exports', { body })).status).toBe(404);
    const created = await call(sim, '/insights/sprint/exports', { body });
    expect(created.status).toBe(202);
    expect((await call(sim, `/insights/sprint/exports/${created.json.exportId}`)).status).toBe(404);
    const { last } = await pollUntilDone(sim, `/insights/sprints/exports/${created.json.exportId}`);
    expect(last.json.status).toBe('COMPLETED');
    expect((await call(sim, `/insights/sprint/exports/${created.json.exportId}/download`)).status).toBe(404);
    const { header, rows } = await runExport(sim, 'sprint', body, 'sprints');
    expect(header).toEqual([
      'Granularity',
      'Team',
      'Team_Hierarchy',
      'Sprint',
      'Start_Date',
      'End_Date',
      'Sprint_Commit',
      'Sprint_Creep',
      'Sprint_Size',
    ]);
    expect(rows.map((row) => [row.Granularity, row.Sprint, row.Start_Date, row.End_Date])).toEqual([
      ['SPRINT', 'Sprint 53', '2025-12-29', '2026-01-11'],
      ['SPRINT', 'Sprint 54', '2026-01-12', '2026-01-25'],
      ['SPRINT', 'Sprint 55', '2026-01-26', '2026-02-08'],
    ]);
    expect(EXPORT_SPECS.sprint.pollSegment).toBe('sprints');
  });

  it('pollsPerStep sets how many polls a job spends in each state (0: done at the first poll)', async () => {
    for (const [pollsPerStep, expected] of [
      [0, ['COMPLETED']],
      [2, ['QUEUED', 'QUEUED', 'PROCESSING', 'PROCESSING', 'COMPLETED']],
    ] as const) {
      const paced = await startSimulator({ records: 20, seed: SEED, v2: { pollsPerStep } });
      try {
        const created = await call(paced, '/insights/efficiency/exports', { body: efficiencyBody });
        const { statuses } = await pollUntilDone(
          paced,
          `/insights/efficiency/exports/${created.json.exportId}`,
        );
        expect(statuses).toEqual(expected);
      } finally {
        await paced.close();
      }
    }
  });

  it('a failing job ends FAILED with an error, has no download, and is not reused', async () => {
    sim.v2.setFaults({ fate: { efficiency: 'fail' } });
    const created = await call(sim, '/insights/efficiency/exports', { body: efficiencyBody });
    const path = `/insights/efficiency/exports/${created.json.exportId}`;
    const { statuses, last } = await pollUntilDone(sim, path);
    expect(statuses).toEqual(['QUEUED', 'PROCESSING', 'FAILED']);
    expect(last.json).toMatchObject({ status: 'FAILED', error: 'Export generation failed' });
    expect(last.json.download).toBeUndefined();
    expect((await call(sim, `${path}/download`)).status).toBe(409);
    sim.v2.setFaults({ fate: {} });
    const retry = await call(sim, '/insights/efficiency/exports', { body: efficiencyBody });
    expect(retry.status).toBe(202);
    expect(retry.json.exportId).not.toBe(created.json.exportId);
  });

  it('a stuck job stays PROCESSING however long it is polled; its download is refused', async () => {
    sim.v2.setFaults({ fate: { ba: 'stuck' } });
    const body = { scope: { teamId: '102' }, dateRange: Q1, options: { granularity: 'QUARTERLY' } };
    const created = await call(sim, '/insights/ba/exports', { body });
    const path = `/insights/ba/exports/${created.json.exportId}`;
    const { statuses } = await pollUntilDone(sim, path, 25);
    expect(statuses).toHaveLength(25);
    expect(statuses.slice(1).every((status) => status === 'PROCESSING')).toBe(true);
    const download = await call(sim, `${path}/download`);
    expect(download.status).toBe(409);
    expect(download.json.message).toBe(`Export ${created.json.exportId} is PROCESSING, not COMPLETED`);
  });

  it('a cancelled productivity job says `cancelled`', async () => {
    sim.v2.setFaults({ fate: { productivity: 'cancel' } });
    const created = await call(sim, '/insights/productivity/exports', {
      body: { scope: { orgTreeName: 'Security' }, dateRange: Q1 },
    });
    const { statuses } = await pollUntilDone(sim, `/insights/productivity/exports/${created.json.exportId}`);
    expect(statuses).toEqual(['queued', 'processing', 'cancelled']);
  });

  it('restatement: a later export of the same window changes the restated periods only', async () => {
    const before = await runExport(sim, 'efficiency', efficiencyBody);
    sim.v2.exports.restate('2026-03-01');
    clockMs += 31 * 60_000;
    const after = await runExport(sim, 'efficiency', efficiencyBody);
    expect(after.exportId).not.toBe(before.exportId);
    const march = (rows: Record<string, string>[], inMarch: boolean) =>
      rows.filter((row) => (row.Start_Date === '2026-03-01') === inMarch);
    expect(march(after.rows, false)).toEqual(march(before.rows, false));
    const changed = march(after.rows, true).filter(
      (row, k) => JSON.stringify(row) !== JSON.stringify(march(before.rows, true)[k]),
    );
    expect(changed).toHaveLength(10);
  });
});
