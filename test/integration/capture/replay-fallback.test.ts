/**
 * The replay's fallback: the simulator that made a capture, started again with the same options,
 * answers every captured request with the captured bytes (so a request the capture lacks, forwarded
 * to it, is answered by the same server); and a request not captured is forwarded as it came, key
 * included, its answer delayed as a captured one would be.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../../src/capture/format.js';
import { type CapturedExchange, runCapture } from '../../../src/capture/index.js';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { startSimulator } from '../../../src/simulator/index.js';
import type { LatencyModel } from '../../../src/simulator/latency.js';
import {
  type ReplayServed,
  type ReplayServer,
  startReplayServer,
} from '../../../src/simulator/replay/index.js';
import type { SimulatorOptions } from '../../../src/simulator/types.js';
import { STREAM_NAMES } from '../../../src/streams/types.js';
import { openTestWarehouse } from '../../support/warehouses.js';

/** Small, in pages of 50: the big streams are walked in slices, as in a bench. */
const SIMULATOR: SimulatorOptions = { records: 300, seed: 11 };
const PAGE_SIZE = '50';
/**
 * The fields the simulator fills with the time of the request: an error's `timestamp`, and the alerts'
 * `alert_acknowledged_at` (its requestTimeField). Asked later, they differ, and nothing else may.
 */
const REQUEST_TIME = /"(timestamp|alert_acknowledged_at)":\d+/g;
const withoutRequestTime = (bytes: Buffer) => bytes.toString('utf8').replace(REQUEST_TIME, '"$1":0');

type Simulator = Awaited<ReturnType<typeof startSimulator>>;

async function ask(baseUrl: string, request: CapturedExchange['request'], key: string) {
  const query = new URLSearchParams(request.query).toString();
  const answer = await fetch(`${baseUrl}${request.path}${query === '' ? '' : `?${query}`}`, {
    method: request.method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    ...(request.body === null || request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
  return { status: answer.status, bytes: Buffer.from(await answer.arrayBuffer()) };
}

describe('replay with the capture simulator as fallback', () => {
  let original: Simulator;
  let again: Simulator;
  let dir: string;
  let exchanges: CapturedExchange[];

  beforeAll(async () => {
    original = await startSimulator(SIMULATOR);
    dir = mkdtempSync(join(tmpdir(), 'replay-fallback-'));
    const config = loadConfig({
      SEI_BASE_URL: original.url,
      SEI_API_KEY: original.adminKey,
      SEI_PAGE_SIZE: PAGE_SIZE,
      SEI_REQUESTS_PER_MINUTE: '5000',
      LOG_LEVEL: 'silent',
    });
    // Into a throwaway PostgreSQL database, not the CLI's embedded one (test/e2e/capture-replay.test.ts).
    const scratch = await openTestWarehouse('postgres');
    const manifest = await runCapture({
      config,
      streams: STREAM_NAMES,
      pages: 1000,
      out: dir,
      redact: false,
      logger: silentLogger,
      warehouse: scratch.warehouse,
    }).finally(() => scratch.close());
    expect(manifest.streams.filter((stream) => !stream.complete)).toEqual([]);
    exchanges = [...readCapture(dir).exchanges].sort((a, b) => a.seq - b.seq);
    again = await startSimulator(SIMULATOR);
  }, 180_000);

  afterAll(async () => {
    await again?.close();
    await original?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the simulator started again answers every captured request with the captured bytes', async () => {
    const replay = await startReplayServer({ dir });
    try {
      const differing: string[] = [];
      let identical = 0;
      // In the capture's order: tied rows are shuffled by one generator per server, drawn request by request.
      for (const exchange of exchanges) {
        const captured = await ask(replay.url, exchange.request, 'any');
        const fresh = await ask(again.url, exchange.request, again.adminKey);
        if (captured.bytes.equals(fresh.bytes)) identical++;
        if (
          captured.status !== fresh.status ||
          withoutRequestTime(captured.bytes) !== withoutRequestTime(fresh.bytes)
        )
          differing.push(
            `#${exchange.seq} ${exchange.request.path} ${JSON.stringify(exchange.request.body)}`,
          );
      }
      expect(differing).toEqual([]);
      // All but the few answers stamped with the time of the request are byte for byte the same.
      expect(identical).toBeGreaterThan(exchanges.length - 5);
      expect(exchanges.length).toBeGreaterThan(2 * STREAM_NAMES.length);
      expect(replay.misses).toEqual([]);
    } finally {
      await replay.close();
    }
  }, 180_000);

  it('forwards a request not captured as it came, and delays its answer as a captured one', async () => {
    const latency: LatencyModel = { fixedMs: 3, perRecordMs: 0.5, perThousandSkippedMs: 100 };
    const served: ReplayServed[] = [];
    const replay: ReplayServer = await startReplayServer({
      dir,
      latencyMs: 2,
      latency,
      fallback: { baseUrl: again.url },
      onServe: (answer) => served.push(answer),
    });
    try {
      const template = exchanges.find((exchange) => exchange.request.path === '/v1/jira_issues/list');
      expect(template).toBeDefined();
      // A page size no walk asks: never captured.
      const request = {
        ...template!.request,
        body: { ...(template!.request.body as object), page: 3, page_size: 7 },
      };
      const answer = await ask(replay.url, request, again.adminKey);
      expect(answer.status).toBe(200);
      const page = JSON.parse(answer.bytes.toString('utf8')) as {
        records: unknown[];
        _metadata: { page: number };
      };
      expect([page.records.length, page._metadata.page]).toEqual([7, 3]);
      expect(replay.forwarded).toBe(1);
      expect(replay.misses).toEqual([]);
      // 2 ms constant, then the model: 3 + 0.5 × 7 records + 100 × 21 skipped / 1,000.
      expect(served.at(-1)).toMatchObject({ forwarded: true, records: 7, delayMs: 2 + 3 + 3.5 + 2.1 });

      // The key goes as it came: a wrong one is the simulator's refusal, not the replay's.
      const refused = await ask(replay.url, request, 'not-a-key');
      expect(refused.status).toBe(401);
      expect(replay.forwarded).toBe(2);

      // A captured request is still answered from the capture, not forwarded.
      expect((await ask(replay.url, template!.request, 'not-a-key')).status).toBe(template!.response.status);
      expect(replay.forwarded).toBe(2);
    } finally {
      await replay.close();
    }
  });

  it('answers 502 and counts a miss when the fallback cannot be reached', async () => {
    const closed = await startSimulator(SIMULATOR);
    const url = closed.url;
    await closed.close();
    const replay = await startReplayServer({ dir, fallback: { baseUrl: url } });
    try {
      const request = {
        method: 'POST' as const,
        path: '/v1/jira_issues/list',
        query: {},
        body: { page: 9, page_size: 3 },
      };
      const answer = await ask(replay.url, request, again.adminKey);
      expect(answer.status).toBe(502);
      expect(replay.misses).toHaveLength(1);
      expect(replay.forwarded).toBe(0);
    } finally {
      await replay.close();
    }
  });
});
