/**
 * The walks (keyset slices, whole lists) against the strict simulator over loopback: every stream,
 * every fault, ties in a new order on every request, instants larger than a page, a walk stopped and
 * resumed. The assertion is always the same and exact: the keys walked are the keys of
 * `dataset.records(stream)` (incremental streams: those with a cursor value), no more, no fewer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SEI_ERROR_CODES } from '../../../src/errors.js';
import { walkKeyset } from '../../../src/extract/keyset-walk.js';
import { type ListSource, listPage } from '../../../src/extract/list-request.js';
import { SeiClient, type SeiClientOptions } from '../../../src/extract/sei/client.js';
import type { SeiError } from '../../../src/extract/sei/errors.js';
import { TokenBucketBudget } from '../../../src/extract/sei/token-bucket.js';
import type { SeiRecord } from '../../../src/extract/sei/types.js';
import { EARLIEST_SECOND, recordSecond } from '../../../src/extract/time-range.js';
import { walkWholeList } from '../../../src/extract/whole-list-walk.js';
import { Secret } from '../../../src/secret.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import type { FaultOptions } from '../../../src/simulator/types.js';
import { STREAMS } from '../../../src/streams/registry.js';
import {
  type IncrementalStream,
  STREAM_NAMES,
  type StreamDefinition,
  type StreamName,
} from '../../../src/streams/types.js';

const PAGE_SIZE = 10;

let sim: SimulatorHandleWithExtras;
const clients: SeiClient[] = [];

beforeAll(async () => {
  // 600 records: a few bulk operations (a bot closing PRs, an import) share an instant, larger than a page.
  sim = await startSimulator({ records: 600, seed: 11 });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  sim.setFaults({
    rateLimited: 0,
    unavailable: 0,
    serverError: 0,
    connectionReset: 0,
    truncatedBody: 0,
    slow: 0,
  });
  sim.clearRequestLog();
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

function makeClient(overrides: Partial<SeiClientOptions> = {}): SeiClient {
  const client = new SeiClient({
    baseUrl: `${sim.url}/gratis/sei/api`,
    apiKey: new Secret(sim.adminKey),
    timeoutMs: 2_000,
    maxAttempts: 12,
    budget: new TokenBucketBudget({
      requestsPerMinute: 60_000,
      burst: 20,
      intervalMs: 50,
    }),
    minRetryDelayMs: 1,
    maxRetryDelayMs: 4,
    maxRetryAfterMs: 5,
    ...overrides,
  });
  clients.push(client);
  return client;
}

function sourceOf(stream: StreamDefinition, overrides: Partial<ListSource> = {}): ListSource {
  return {
    path: stream.alternativePaths?.[0] ?? stream.path,
    sort: stream.sort,
    pageSizeParam: stream.pageSizeParam,
    ...(stream.maxPageSize !== undefined && { maxPageSize: stream.maxPageSize }),
    ...(stream.extraBody && { extraBody: stream.extraBody }),
    recordKey: (record) => stream.recordKey(record),
    ...overrides,
  };
}

/** The record field `integration_ids` filters on, per stream (the simulator's). */
const INTEGRATION_FIELDS: Partial<Record<StreamName, string>> = {
  jira_issues: 'integration_id',
  cicd_job_runs: 'cicd_integration_id',
};

const ALL_TIME = { from: EARLIEST_SECOND, to: Math.floor(Date.now() / 1000) + 1 };

async function walkKeys(
  name: StreamName,
  client: SeiClient,
  options: {
    source?: Partial<ListSource>;
    resumeAt?: number;
    maxRequests?: number;
    /** Receives every key walked, also when the walk then fails. */
    keys?: string[];
    onPage?: (resumeAt: number) => void;
  } = {},
): Promise<string[]> {
  const stream = STREAMS[name];
  const keys = options.keys ?? [];
  if (stream.mode === 'full_refresh') {
    for await (const part of walkWholeList({
      client,
      source: sourceOf(stream, options.source),
      pageSize: PAGE_SIZE,
      maxRequests: 1000,
    }))
      for (const record of part.records) keys.push(sim.recordKey(name, record));
    return keys;
  }
  const ascending = stream.cursor.serverOrder === 'asc';
  for await (const page of walkKeyset({
    client,
    source: sourceOf(stream, options.source),
    cursor: stream.cursor,
    range: ALL_TIME,
    resumeAt: options.resumeAt ?? (ascending ? ALL_TIME.from : ALL_TIME.to),
    pageSize: PAGE_SIZE,
    maxRequests: options.maxRequests ?? 10_000,
  })) {
    for (const record of page.records) keys.push(sim.recordKey(name, record));
    options.onPage?.(page.resumeAt);
  }
  return keys;
}

/** The keys a complete walk must return; `integrations` narrows to those integrations where the stream has the filter. */
function expectedKeys(name: StreamName, integrations?: readonly string[]): string[] {
  const stream = STREAMS[name];
  const field = INTEGRATION_FIELDS[name];
  return sim.dataset
    .records(name)
    .filter((record) => stream.mode !== 'incremental' || recordSecond(stream.cursor, record) !== undefined)
    .filter((record) => !integrations || !field || integrations.includes(String(record[field])))
    .map((record) => sim.recordKey(name, record))
    .sort();
}

/** Streams whose endpoint answers in the server's code (cicd_jobs always fails: see below). */
const ANSWERING = STREAM_NAMES.filter((name) => STREAMS[name].fallback === undefined);

describe('walking the strict simulator', () => {
  it.each(ANSWERING)('%s: returns exactly the dataset, each record once', async (name) => {
    const keys = await walkKeys(name, makeClient());
    expect(keys.slice().sort()).toEqual(expectedKeys(name));
    expect(sim.requestLog.every((entry) => entry.query.includes('there_is_no_cache=true'))).toBe(true);
    expect(sim.requestLog.every((entry) => entry.path.startsWith('/gratis/sei/api/v1/'))).toBe(true);
    // No request goes deeper than page 0 (a time window narrows instead), unless inside one instant.
    expect(sim.requestLog.filter((entry) => (entry.page ?? 0) > 0)).toEqual([]);
  });

  it('offset paging over the same data loses records: ties come back in a new order on every request (control)', async () => {
    const stream = STREAMS.scm_pull_requests;
    const client = makeClient();
    const seen = new Set<string>();
    for (let page = 0; ; page++) {
      const answer = await listPage(client, sourceOf(stream), { page, pageSize: PAGE_SIZE, filter: {} });
      for (const record of answer.records) seen.add(sim.recordKey('scm_pull_requests', record));
      if (answer.records.length < PAGE_SIZE) break;
    }
    expect(seen.size).toBeLessThan(expectedKeys('scm_pull_requests').length);
  });

  it('an instant larger than the largest page is read by offset until the keys reach its count', async () => {
    // PRs closed by one bot share an instant; with a 4-record cap that instant takes several offset reads.
    const keys = await walkKeys('scm_pull_requests', makeClient(), { source: { maxPageSize: 4 } });
    expect(keys.slice().sort()).toEqual(expectedKeys('scm_pull_requests'));
    expect(sim.requestLog.some((entry) => (entry.page ?? 0) > 0)).toBe(true);
  });

  const faults: Array<[string, Partial<FaultOptions>, Partial<SeiClientOptions>?]> = [
    ['429 without Retry-After', { rateLimited: 0.3 }],
    ['503 with Retry-After', { unavailable: 0.3, retryAfterSeconds: 1 }],
    ['500 HTML', { serverError: 0.3 }],
    ['connection reset', { connectionReset: 0.3 }],
    ['truncated body', { truncatedBody: 0.3 }],
    // Twice the client's timeout: every slow answer comes after the client gave up on it.
    ['slow answers past the timeout', { slow: 0.15, slowMs: 600 }, { timeoutMs: 300 }],
    [
      'everything at once',
      { rateLimited: 0.1, unavailable: 0.1, serverError: 0.1, connectionReset: 0.1, truncatedBody: 0.1 },
    ],
  ];

  it.each(faults)('with %s: still exactly the dataset', async (_name, fault, overrides) => {
    for (const name of ['jira_issues', 'cicd_job_runs', 'org_users', 'collection_categories'] as const) {
      sim.setFaults(fault);
      const keys = await walkKeys(name, makeClient(overrides), {
        source: { baseFilter: { integration_ids: ['379', '7003'] } },
      });
      sim.setFaults({
        rateLimited: 0,
        unavailable: 0,
        serverError: 0,
        connectionReset: 0,
        truncatedBody: 0,
        slow: 0,
      });
      expect(keys.slice().sort()).toEqual(expectedKeys(name, ['379', '7003']));
    }
    // A slow answer is logged when the simulator finishes sleeping, after the client gave up on it.
    if (fault.slow) await new Promise((resolve) => setTimeout(resolve, (fault.slowMs ?? 0) + 100));
  });

  it('a walk stopped after a few requests and resumed from its last committed point yields the complete set', async () => {
    const name: StreamName = 'cicd_job_runs';
    let resumeAt: number | undefined;
    const before: string[] = [];
    const error = await walkKeys(name, makeClient(), {
      maxRequests: 4,
      keys: before,
      onPage: (at) => {
        resumeAt = at;
      },
    }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('SEI_SYNC_ERR_PAGE_LIMIT');
    expect(resumeAt).toBeGreaterThan(0);
    const after = await walkKeys(name, makeClient(), { resumeAt: resumeAt! });
    const union = new Set([...before, ...after]);
    expect([...union].sort()).toEqual(expectedKeys(name));
  });

  it('records updated and inserted mid-walk: everything that stayed in the window is walked once', async () => {
    const name: StreamName = 'scm_pull_requests';
    const stream = STREAMS[name] as IncrementalStream;
    const window = { from: 0, to: Math.floor(Date.now() / 1000) - 5 };
    const before = sim.dataset.records(name).filter((record) => {
      const second = recordSecond(stream.cursor, record);
      return second !== undefined && second >= window.from && second < window.to;
    });
    sim.mutateDuringWalk(name, 3, { insert: 5, update: 5 });
    const walked: SeiRecord[] = [];
    for await (const page of walkKeyset({
      client: makeClient(),
      source: sourceOf(stream),
      cursor: stream.cursor,
      range: window,
      resumeAt: window.from,
      pageSize: PAGE_SIZE,
      maxRequests: 10_000,
    }))
      walked.push(...page.records);
    const walkedKeys = walked.map((record) => sim.recordKey(name, record));
    expect(new Set(walkedKeys).size).toBe(walkedKeys.length);
    const stillThere = new Set(sim.dataset.records(name).map((record) => sim.recordKey(name, record)));
    const unchanged = before.filter((record) => {
      const now = sim.dataset
        .records(name)
        .find((r) => sim.recordKey(name, r) === sim.recordKey(name, record));
      return now && recordSecond(stream.cursor, now) === recordSecond(stream.cursor, record);
    });
    for (const record of unchanged) expect(walkedKeys).toContain(sim.recordKey(name, record));
    expect(walkedKeys.every((key) => stillThere.has(key))).toBe(true);
  });

  it('cicd_jobs: the server code answers 500 on every request, and the walk stops after one (not retried)', async () => {
    const stream = STREAMS.cicd_jobs;
    const error = await walkKeys('cicd_jobs', makeClient(), {
      source: { finalStatuses: stream.fallback?.statuses ?? [] },
    }).catch((e: unknown) => e);
    expect((error as SeiError).status).toBe(500);
    expect(sim.requestLog.map((entry) => [entry.path, entry.status])).toEqual([
      ['/gratis/sei/api/v1/cicd/jobs/list', 500],
    ]);
  });

  it('cicd_jobs on a server that fixed CiCdJobsService.list: exactly its jobs', async () => {
    const fixed = await startSimulator({ records: 60, seed: 11, fixedEndpoints: ['cicd_jobs'] });
    try {
      const client = makeClient({ baseUrl: fixed.url });
      const keys: string[] = [];
      for await (const part of walkWholeList({
        client,
        source: sourceOf(STREAMS.cicd_jobs),
        pageSize: PAGE_SIZE,
        maxRequests: 10,
      }))
        for (const record of part.records) keys.push(String(record.id));
      expect(keys.sort()).toEqual(
        fixed.dataset
          .records('cicd_jobs')
          .map((job) => String(job.id))
          .sort(),
      );
    } finally {
      await fixed.close();
    }
  });

  it('an Ingestion key gets SEI_ERR_FORBIDDEN after exactly one request', async () => {
    const client = makeClient({ apiKey: new Secret(sim.ingestionKey) });
    const error = await walkKeys('integrations', client).catch((e: unknown) => e);
    expect((error as SeiError).code).toBe(SEI_ERROR_CODES.forbidden);
    expect(sim.requestLog.map((entry) => [entry.path, entry.status])).toEqual([
      ['/gratis/sei/api/v1/integrations/list', 403],
    ]);
  });

  it('an unknown key gets SEI_ERR_AUTH after exactly one request', async () => {
    const client = makeClient({ apiKey: new Secret('not-a-key') });
    const error = await walkKeys('integrations', client).catch((e: unknown) => e);
    expect((error as SeiError).code).toBe(SEI_ERROR_CODES.auth);
    expect(sim.requestLog).toHaveLength(1);
  });

  it("a page size over Jira's cap is a 400 with the server's reason, not retried", async () => {
    const error = await listPage(makeClient(), sourceOf(STREAMS.jira_issues), {
      page: 0,
      pageSize: 20_000,
      filter: {},
    }).catch((e: unknown) => e);
    expect((error as SeiError).code).toBe(SEI_ERROR_CODES.badRequest);
    expect((error as SeiError).message).toMatch(/page_size cannot exceed 10000/);
    expect(sim.requestLog).toHaveLength(1);
  });
});
