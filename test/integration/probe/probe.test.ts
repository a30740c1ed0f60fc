/**
 * `sei-sync probe` against the simulator: the strict simulator (the server as its code behaves) shows
 * every quirk it has, a polite one (no quirks) shows every assumption holding, and the knobs a tenant
 * may have (a range filter ignored, snapshots that differ, a count of the page, a scheme word refused)
 * are each found. Expectations come from the simulator's own declarations, requests from its log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ProbeDocument } from '../../../src/commands/json-output.js';
import { loadConfig } from '../../../src/config.js';
import { type ProbeReport, type ProbeRow, probeRequestBound, runProbe } from '../../../src/probe/index.js';
import {
  endpointOf,
  type QuirkOptions,
  type QuirkPreset,
  type SimulatorHandleWithExtras,
  startSimulator,
} from '../../../src/simulator/index.js';
import { STREAMS } from '../../../src/streams/registry.js';
import {
  type IncrementalStream,
  STREAM_NAMES,
  type StreamDefinition,
  type StreamName,
} from '../../../src/streams/types.js';
import { runCliJson } from '../../support/cli-json.js';

const KEY = 'probe-test-key-4f1e';
const RECORDS = 200;
const ALL = Object.values(STREAMS);
const WALKED = ALL.filter((s): s is IncrementalStream => s.mode === 'incremental');

let sim: SimulatorHandleWithExtras | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function probe(
  quirks: QuirkPreset | Partial<QuirkOptions>,
  streams: readonly StreamDefinition[] = ALL,
  cheap = false,
): Promise<{ report: ProbeReport; sim: SimulatorHandleWithExtras }> {
  sim = await startSimulator({ records: RECORDS, adminKeys: [KEY], quirks });
  const config = loadConfig({ SEI_BASE_URL: sim.url, SEI_API_KEY: KEY, SEI_REQUESTS_PER_MINUTE: '5000' });
  const report = await runProbe({ config, streams, cheap });
  expect(JSON.stringify(report)).not.toContain(KEY);
  // Every request the probe counts reached the server, and no more than it stated.
  expect(report.requests).toBe(sim.requestLog.length);
  expect(report.requests).toBeLessThanOrEqual(report.maxRequests);
  return { report, sim };
}

const results = (rows: readonly ProbeRow[]) => rows.map((row) => [row.check, row.stream, row.result]);

/** Whether two records of the stream share a cursor instant (the probe can only test ties then). */
function hasTies(handle: SimulatorHandleWithExtras, stream: IncrementalStream): boolean {
  const seen = new Set<unknown>();
  for (const record of handle.dataset.records(stream.name)) {
    const value = record[stream.cursor.recordField];
    if (value === undefined) continue;
    if (seen.has(value)) return true;
    seen.add(value);
  }
  return false;
}

/** The rows a probe of every stream gives, each result as the simulator's declarations say. */
function expectedRows(
  handle: SimulatorHandleWithExtras,
  quirk: (stream: StreamName, check: ProbeRow['check']) => boolean,
) {
  const rows: [string, string | null, string][] = [
    ['auth_scheme', null, 'holds'],
    ['auth_scheme', null, 'holds'],
    ['auth_scheme', null, 'holds'],
  ];
  const result = (stream: StreamName, check: ProbeRow['check']) =>
    quirk(stream, check) ? 'does_not_hold' : 'holds';
  for (const stream of ALL) {
    if (stream.mode === 'full_refresh') {
      rows.push(['endpoint', stream.name, result(stream.name, 'endpoint')]);
      continue;
    }
    for (const check of ['endpoint', 'bound_type', 'sort', 'cursor_unit'] as const)
      rows.push([check, stream.name, result(stream.name, check)]);
    if (stream.snapshotField) rows.push(['snapshot', stream.name, result(stream.name, 'snapshot')]);
    rows.push(['range_filter', stream.name, result(stream.name, 'range_filter')]);
    rows.push(['total_count', stream.name, result(stream.name, 'total_count')]);
    rows.push(['ties', stream.name, hasTies(handle, stream) ? result(stream.name, 'ties') : 'unknown']);
    rows.push(['page_size', stream.name, result(stream.name, 'page_size')]);
  }
  return rows;
}

describe('sei-sync probe', () => {
  it('reports every quirk of the strict simulator, within the requests it states', async () => {
    const { report, sim: handle } = await probe('strict');
    const strictQuirk = (name: StreamName, check: ProbeRow['check']): boolean => {
      const endpoint = endpointOf(name);
      const stream = STREAMS[name];
      switch (check) {
        case 'endpoint':
          return endpoint.broken !== undefined;
        case 'bound_type':
          return endpoint.range.parser !== 'long';
        case 'sort':
          return !(
            endpoint.order.kind === 'requested' &&
            stream.mode === 'incremental' &&
            endpoint.order.allowed.includes(stream.cursor.filter.field)
          );
        case 'ties':
          return endpoint.order.kind === 'none' || endpoint.order.ties === 'shuffle';
        case 'page_size':
          return endpoint.maxPageSize !== undefined;
        case 'cursor_unit':
          return name === 'workitems';
        default:
          return false;
      }
    };
    expect(results(report.rows)).toEqual(expectedRows(handle, strictQuirk));
    // The quirks the walks meet most are found, not left "could not tell".
    const row = (check: string, stream: string) =>
      report.rows.find((r) => r.check === check && r.stream === stream);
    for (const stream of ['scm_pull_requests', 'scm_commits', 'cicd_job_runs'])
      expect(row('ties', stream)?.result).toBe('does_not_hold');
    expect(row('bound_type', 'cicd_job_runs')?.evidence).toMatch(
      /numbers: .* → 500 "class java.lang.Integer cannot be cast/,
    );
    expect(row('page_size', 'jira_issues')?.evidence).toMatch(
      /page_size=10001 → 400 .*page_size=10000 → 200/,
    );
    // Each is a quirk sei-sync copes with: nothing for the user to do.
    expect(report.rows.filter((r) => !r.handled)).toEqual([]);
    // The bound stated: 3 auth words, 7 per stream walked by time, 1 per list route.
    expect(report.maxRequests).toBe(3 + 7 * WALKED.length + 12 + 3);
    expect(report.maxRequests).toBe(probeRequestBound(ALL));
    expect(report.requests).toBeLessThanOrEqual(81);
  });

  it('reports every assumption holding against a simulator without quirks', async () => {
    const { report, sim: handle } = await probe('polite');
    expect(results(report.rows)).toEqual(expectedRows(handle, () => false));
  });

  it('finds a range filter the server ignores and a scheme word it refuses', async () => {
    const streams = [STREAMS.jira_issues, STREAMS.scm_commits];
    const { report } = await probe({ ignoresRangeFilter: STREAM_NAMES, authSchemes: ['apikey'] }, streams);
    const failing = report.rows.filter((r) => r.result === 'does_not_hold').map((r) => [r.check, r.stream]);
    expect(failing).toEqual([
      ['auth_scheme', null],
      ['range_filter', 'jira_issues'],
      ['total_count', 'jira_issues'],
      ['page_size', 'jira_issues'],
      ['range_filter', 'scm_commits'],
      ['total_count', 'scm_commits'],
      ['ties', 'scm_commits'],
    ]);
    expect(report.rows.find((r) => r.check === 'auth_scheme' && r.result === 'does_not_hold')).toMatchObject({
      evidence: expect.stringMatching(/Authorization: Bearer <key> → 401$/),
      handled: true,
    });
  });

  it('finds snapshots that differ within an integration and a count of the page only', async () => {
    const streams = [STREAMS.jira_issues, STREAMS.workitems];
    const { report } = await probe(
      { mixedSnapshots: ['jira_issues', 'workitems'], totalCountOfPage: true },
      streams,
    );
    const failing = report.rows
      .filter((r) => r.result === 'does_not_hold' && r.check !== 'page_size' && r.check !== 'cursor_unit')
      .map((r) => [r.check, r.stream, r.handled]);
    expect(failing).toEqual([
      ['snapshot', 'jira_issues', true],
      ['total_count', 'jira_issues', false],
      ['snapshot', 'workitems', true],
      ['total_count', 'workitems', false],
    ]);
  });

  it('runs only the cheap checks for doctor: auth words, endpoints and bound types', async () => {
    const { report } = await probe('strict', ALL, true);
    expect(new Set(report.rows.map((r) => r.check))).toEqual(
      new Set(['auth_scheme', 'endpoint', 'bound_type']),
    );
    expect(report.maxRequests).toBe(3 + 2 * WALKED.length);
    expect(report.requests).toBe(report.maxRequests);
  });

  it('prints one JSON document through the CLI, without the key', async () => {
    sim = await startSimulator({ records: RECORDS, adminKeys: [KEY] });
    const run = await runCliJson<ProbeDocument>(['probe', '--streams', 'cicd_job_runs,org_users'], {
      SEI_BASE_URL: sim.url,
      SEI_API_KEY: KEY,
    });
    expect(run.code).toBe(0);
    expect(run.output).not.toContain(KEY);
    expect(run.document).toMatchObject({ command: 'probe', ok: true, maxRequests: 3 + 7 + 1 });
    expect(run.document.requests).toBe(sim.requestLog.length);
    expect(run.document.rows.map((r) => r.check)).toEqual([
      'auth_scheme',
      'auth_scheme',
      'auth_scheme',
      'endpoint',
      'bound_type',
      'sort',
      'cursor_unit',
      'range_filter',
      'total_count',
      'ties',
      'page_size',
      'endpoint',
    ]);
  });

  it('exits 1 with SEI_ERR_AUTH when SEI refuses the key, sending no more than it states', async () => {
    sim = await startSimulator({ records: RECORDS, adminKeys: [KEY] });
    const run = await runCliJson<ProbeDocument>(['probe', '--streams', 'jira_issues'], {
      SEI_BASE_URL: sim.url,
      SEI_API_KEY: 'not-the-key',
    });
    expect(run.code).toBe(1);
    expect(run.document.error?.code).toBe('SEI_ERR_AUTH');
    // The three scheme words, then nothing: every other request would be refused too.
    expect(run.document.requests).toBe(3);
    expect(sim.requestLog).toHaveLength(3);
    expect(run.document.rows.map((r) => r.result)).toEqual([
      'does_not_hold',
      'does_not_hold',
      'does_not_hold',
    ]);
    expect(run.output).not.toContain('not-the-key');
  });
});
