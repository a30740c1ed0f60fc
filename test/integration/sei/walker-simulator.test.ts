/**
 * The client and the page walker against the SEI simulator over loopback: every stream, every fault,
 * and a walk stopped and resumed. The assertion is always the same and exact: the keys walked are the
 * keys of `handle.dataset.records(stream)`, no more, no fewer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/secret.js';
import { SeiClient, type SeiClientOptions } from '../../../src/sei/client.js';
import { SEI_ERROR_CODES, SeiError } from '../../../src/sei/errors.js';
import { TokenBucketBudget } from '../../../src/sei/token-bucket.js';
import type { SeiRecord } from '../../../src/sei/types.js';
import { PageWalker, type PageWalkerOptions } from '../../../src/sei/walker.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import type { FaultOptions } from '../../../src/simulator/types.js';
import { STREAMS } from '../../../src/streams/registry.js';
import { STREAM_NAMES, type StreamName } from '../../../src/streams/types.js';

const PAGE_SIZE = 10;

let sim: SimulatorHandleWithExtras;
const clients: SeiClient[] = [];

beforeAll(async () => {
  sim = await startSimulator({ records: 57, seed: 11 });
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
    // A real bucket, fast enough not to slow the test, with short 429 pauses.
    budget: new TokenBucketBudget({
      requestsPerMinute: 60_000,
      burst: 20,
      rateLimitPauseMs: 2,
      recoveryMs: 50,
    }),
    minRetryDelayMs: 1,
    maxRetryDelayMs: 4,
    maxRetryAfterMs: 5,
    ...overrides,
  });
  clients.push(client);
  return client;
}

function walkerFor(stream: StreamName, client: SeiClient, options: Partial<PageWalkerOptions> = {}) {
  const definition = STREAMS[stream];
  return new PageWalker<SeiRecord>({
    client,
    path: definition.path,
    sort: definition.sort,
    pageSize: PAGE_SIZE,
    pageSizeParam: definition.pageSizeParam,
    hasNext: definition.hasNext,
    recordKey: (record) => sim.recordKey(stream, record),
    ...options,
  });
}

async function walkKeys(stream: StreamName, walker: PageWalker<SeiRecord>): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of walker)
    for (const record of page.records) keys.push(sim.recordKey(stream, record));
  return keys;
}

function expectedKeys(stream: StreamName): string[] {
  return sim.dataset
    .records(stream)
    .map((record) => sim.recordKey(stream, record))
    .sort();
}

describe('walking the simulator', () => {
  it.each(STREAM_NAMES)('%s: returns exactly the dataset', async (stream) => {
    const walker = walkerFor(stream, makeClient());
    const keys = await walkKeys(stream, walker);
    expect(keys.slice().sort()).toEqual(expectedKeys(stream));
    expect(walker.summary).toMatchObject({ complete: true, duplicates: 0, retries: 0, records: keys.length });
    expect(sim.requestLog.every((entry) => entry.query.includes('there_is_no_cache=true'))).toBe(true);
    expect(sim.requestLog.every((entry) => entry.path.startsWith('/gratis/sei/api/v1/'))).toBe(true);
  });

  const faults: Array<[string, Partial<FaultOptions>, Partial<SeiClientOptions>?]> = [
    ['429 without Retry-After', { rateLimited: 0.3 }],
    ['503 with Retry-After', { unavailable: 0.3, retryAfterSeconds: 1 }],
    ['500 HTML', { serverError: 0.3 }],
    ['connection reset', { connectionReset: 0.3 }],
    ['truncated body', { truncatedBody: 0.3 }],
    ['slow answers past the timeout', { slow: 0.15, slowMs: 1_500 }, { timeoutMs: 300 }],
    [
      'everything at once',
      { rateLimited: 0.1, unavailable: 0.1, serverError: 0.1, connectionReset: 0.1, truncatedBody: 0.1 },
    ],
  ];

  it.each(faults)('with %s: still exactly the dataset', async (_name, fault, overrides) => {
    for (const stream of ['jira_issues', 'org_users', 'collection_categories'] as const) {
      sim.setFaults(fault);
      sim.clearRequestLog();
      const walker = walkerFor(stream, makeClient(overrides));
      const keys = await walkKeys(stream, walker);
      expect(keys.slice().sort()).toEqual(expectedKeys(stream));
      expect(walker.summary.complete).toBe(true);
      // Every fault cost the big stream at least one retry (the request log cannot tell: a slow answer
      // is logged only when the simulator finishes sleeping, after the client gave up on it).
      if (stream === 'jira_issues') expect(walker.summary.retries).toBeGreaterThan(0);
      expect(walker.summary.retries).toBe(walker.summary.requests - walker.summary.pages);
    }
  });

  it('a walk stopped after page N and restarted from page N+1 yields the complete set', async () => {
    const stream: StreamName = 'scm_pull_requests';
    const first = walkerFor(stream, makeClient(), { maxPages: 3 });
    const before = await walkKeys(stream, first);
    expect(first.summary).toMatchObject({ complete: false, stopReason: 'page_limit', pages: 3 });

    const second = walkerFor(stream, makeClient(), { startPage: 3 });
    const after = await walkKeys(stream, second);
    expect(second.summary.complete).toBe(true);
    expect([...before, ...after].sort()).toEqual(expectedKeys(stream));
  });

  it('a walk aborted mid-way and resumed from its last page yields the complete set', async () => {
    const stream: StreamName = 'workitems';
    const controller = new AbortController();
    const first = walkerFor(stream, makeClient(), { signal: controller.signal });
    const before: string[] = [];
    let lastPage = -1;
    const error = await (async () => {
      for await (const page of first) {
        for (const record of page.records) before.push(sim.recordKey(stream, record));
        lastPage = page.page;
        if (page.page === 2) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect((error as SeiError).code).toBe(SEI_ERROR_CODES.aborted);
    expect(first.summary.stopReason).toBe('aborted');

    const second = walkerFor(stream, makeClient(), { startPage: lastPage + 1 });
    const after = await walkKeys(stream, second);
    expect([...before, ...after].sort()).toEqual(expectedKeys(stream));
  });

  it('records inserted mid-walk ahead of the cursor show up as duplicates and total_count drift', async () => {
    // Newest first: records inserted now land on page 0 and push every later record back by 3,
    // so page 2 starts with the last 3 records of page 1 again.
    const stream: StreamName = 'jira_issues';
    const before = expectedKeys(stream);
    sim.mutateDuringWalk(stream, 2, { insert: 3 });
    const walker = walkerFor(stream, makeClient(), { sort: [{ id: 'issue_updated_at', desc: true }] });
    const keys = await walkKeys(stream, walker);
    expect([...new Set(keys)].sort()).toEqual(before);
    expect(keys).toHaveLength(before.length + 3);
    expect(walker.summary).toMatchObject({ duplicates: 3, firstDuplicatePage: 2, complete: true });
    expect(walker.summary.duplicateKeys).toHaveLength(3);
    expect(walker.summary.totalCountDrift).toEqual([
      { page: 2, previous: before.length, current: before.length + 3 },
    ]);
  });

  it('an Ingestion key gets SEI_ERR_FORBIDDEN after exactly one request', async () => {
    const client = makeClient({ apiKey: new Secret(sim.ingestionKey) });
    const error = await walkKeys('integrations', walkerFor('integrations', client)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SeiError);
    expect((error as SeiError).code).toBe(SEI_ERROR_CODES.forbidden);
    expect(sim.requestLog.filter((entry) => entry.path.endsWith('/v1/integrations/list'))).toHaveLength(1);
  });

  it('an unknown key gets SEI_ERR_AUTH after exactly one request', async () => {
    const client = makeClient({ apiKey: new Secret('not-a-key') });
    const error = await walkKeys('integrations', walkerFor('integrations', client)).catch((e: unknown) => e);
    expect((error as SeiError).code).toBe(SEI_ERROR_CODES.auth);
    expect(sim.requestLog.filter((entry) => entry.path.endsWith('/v1/integrations/list'))).toHaveLength(1);
  });

  it("a page size over Jira's cap is a 400 with the server's reason, not retried", async () => {
    const walker = walkerFor('jira_issues', makeClient(), { pageSize: 20_000 });
    const error = await walkKeys('jira_issues', walker).catch((e: unknown) => e);
    expect((error as SeiError).code).toBe(SEI_ERROR_CODES.badRequest);
    expect((error as SeiError).message).toMatch(/page_size cannot exceed 10000/);
    expect(sim.requestLog.filter((entry) => entry.pageSize === 20_000)).toHaveLength(1);
  });
});
