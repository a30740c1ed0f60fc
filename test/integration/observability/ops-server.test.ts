import { networkInterfaces } from 'node:os';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedisConnection } from '../../../jobs/connection.js';
import { enqueueRun } from '../../../jobs/enqueue.js';
import { createWorker, type SyncWorker } from '../../../jobs/worker.js';
import { createMetrics, type SyncMetrics } from '../../../src/observability/metrics.js';
import {
  type OpsServer,
  type ReadinessCheck,
  startOpsServer,
} from '../../../src/observability/ops-server.js';
import { Secret } from '../../../src/secret.js';
import { testQueuePrefix, testRedisUrl } from '../../support/services.js';
import { MemoryEngine, waitFor } from '../jobs/memory-engine.js';

const prefix = testQueuePrefix();
let connection: Redis;
let worker: SyncWorker;
let metrics: SyncMetrics;
const engine = new MemoryEngine({ failures: { org_units: { code: 'SEI_ERR_AUTH', retryable: false } } });

const redisCheck = (): ReadinessCheck => ({
  name: 'redis',
  check: async () => void (await connection.ping()),
});
const postgresCheck = (url: string): ReadinessCheck => ({
  name: 'postgres',
  check: async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => {});
    }
  },
});

beforeAll(async () => {
  connection = createRedisConnection(testRedisUrl());
  metrics = createMetrics();
  worker = createWorker({ engine, connection, prefix, metrics, streamRetry: { attempts: 2, backoffMs: 10 } });
  const { runId } = await enqueueRun({ connection, prefix }, { streams: ['jira_issues', 'org_units'] });
  await waitFor(() => engine.finished.has(runId), 20_000, 'run');
});

afterAll(async () => {
  await worker.close();
  const keys = await connection.keys(`${prefix}:*`);
  if (keys.length > 0) await connection.del(...keys);
  await connection.quit();
});

async function withServer(
  options: Partial<Parameters<typeof startOpsServer>[0]>,
  use: (server: OpsServer) => Promise<void>,
) {
  const server = await startOpsServer({ host: '127.0.0.1', port: 0, metrics, ...options });
  try {
    await use(server);
  } finally {
    await server.close();
  }
}

describe('ops server', () => {
  it('answers /livez, /readyz with Redis and PostgreSQL, and /metrics with sync and queue metrics', async () => {
    metrics.observeQueues(worker.queues);
    await withServer({ readiness: [redisCheck(), postgresCheck(inject('databaseUrl'))] }, async ({ url }) => {
      expect((await fetch(`${url}/livez`)).status).toBe(200);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ redis: 'ok', postgres: 'ok' });
      const scrape = await fetch(`${url}/metrics`);
      expect(scrape.headers.get('content-type')).toContain('text/plain');
      const text = await scrape.text();
      for (const name of [
        'sei_sync_requests_total',
        'sei_sync_request_retries_total',
        'sei_sync_rate_limited_total',
        'sei_sync_pages_total',
        'sei_sync_rows_total',
        'sei_sync_stream_runs_total',
        'sei_sync_stream_last_success_timestamp_seconds',
        'sei_sync_job_duration_seconds_bucket',
        'sei_sync_runs_total',
        'bullmq_job_count',
        'bullmq_job_completed_total',
        'sei_sync_process_cpu_user_seconds_total',
      ]) {
        expect(text).toContain(`${name}`);
      }
      expect(text).toContain('sei_sync_pages_total{stream="jira_issues"} 3');
      expect(text).toContain('sei_sync_rows_total{stream="jira_issues",outcome="inserted"} 30');
      // Present at 0 from the first run, so `increase()` in the alert rules sees the series start.
      expect(text).toContain('sei_sync_rows_total{stream="jira_issues",outcome="sanitized"} 0');
      expect(text).toContain('sei_sync_stream_runs_total{stream="org_units",status="failed"} 1');
      expect(text).toContain('sei_sync_runs_total{status="partial"} 1');
      // BullMQ's own export, both queues under one description of each family.
      expect(text).toMatch(/bullmq_job_count\{queue="sei-sync-streams", state="completed"[^}]*\} 1/);
      expect(text).toMatch(/bullmq_job_count\{queue="sei-sync-streams", state="failed"[^}]*\} 1/);
      expect(text).toMatch(/bullmq_job_count\{queue="sei-sync-runs", state="completed"[^}]*\} \d+/);
      expect(text.match(/^# TYPE bullmq_job_count /gm)).toHaveLength(1);
      expect(text).toMatch(/sei_sync_stream_last_success_timestamp_seconds\{stream="jira_issues"\} \d+/);
      // Bull Board is off unless asked for.
      expect((await fetch(`${url}/admin/queues`)).status).toBe(404);
    });
  });

  it('reports not ready, naming the dependency, when PostgreSQL does not answer', async () => {
    await withServer(
      { readiness: [redisCheck(), postgresCheck('postgres://nobody@127.0.0.1:1/none')] },
      async ({ url }) => {
        const ready = await fetch(`${url}/readyz`);
        expect(ready.status).toBe(503);
        const body = (await ready.json()) as Record<string, string>;
        expect(body.redis).toBe('ok');
        expect(body.postgres).not.toBe('ok');
      },
    );
  });

  // A non-loopback address of this machine, to play a remote client.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address?.family === 'IPv4' && !address.internal)?.address;

  it.skipIf(external === undefined)(
    'serves Bull Board without credentials to loopback clients only',
    async () => {
      await withServer(
        { host: '0.0.0.0', bullBoard: { queues: worker.queues, auth: undefined } },
        async ({ port }) => {
          expect((await fetch(`http://127.0.0.1:${port}/admin/queues/api/queues`)).status).toBe(200);
          const remote = await fetch(`http://${external}:${port}/admin/queues/api/queues`);
          expect(remote.status).toBe(403);
          // The other endpoints stay reachable for Prometheus and the orchestrator.
          expect((await fetch(`http://${external}:${port}/livez`)).status).toBe(200);
        },
      );
    },
  );

  it('puts Bull Board behind basic auth when credentials are configured', async () => {
    const auth = { user: 'ops', password: new Secret('s3cret-board') };
    await withServer({ bullBoard: { queues: worker.queues, auth } }, async ({ url }) => {
      expect((await fetch(`${url}/admin/queues`)).status).toBe(401);
      const wrong = `Basic ${Buffer.from('ops:nope').toString('base64')}`;
      expect((await fetch(`${url}/admin/queues`, { headers: { authorization: wrong } })).status).toBe(401);
      const right = `Basic ${Buffer.from('ops:s3cret-board').toString('base64')}`;
      const page = await fetch(`${url}/admin/queues/api/queues`, { headers: { authorization: right } });
      expect(page.status).toBe(200);
      const names = ((await page.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
      expect(names).toEqual(['sei-sync-runs', 'sei-sync-streams']);
    });
  });
});
