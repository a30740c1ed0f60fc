/**
 * Bull Board in a real browser: the worker's ops server with the dashboard on, loaded by headless
 * Chromium (Debian's `chromium`, driven by playwright-core); the queue names must be listed.
 */
import { existsSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../jobs/connection.js';
import { enqueueRun } from '../../jobs/enqueue.js';
import { QUEUE_NAMES } from '../../jobs/queues.js';
import { createWorker, type SyncWorker } from '../../jobs/worker.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { type OpsServer, startOpsServer } from '../../src/observability/ops-server.js';
import { MemoryEngine, waitFor } from '../integration/jobs/memory-engine.js';
import { testQueuePrefix, testRedisUrl } from '../support/services.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `[bull-board e2e] SKIPPED: ${CHROMIUM} not found; install Debian's chromium package to run it`,
  );

const prefix = testQueuePrefix();
let connection: Redis;
let worker: SyncWorker;
let server: OpsServer;

describe.skipIf(!hasChromium)('Bull Board in headless Chromium', () => {
  beforeAll(async () => {
    connection = createRedisConnection(testRedisUrl());
    const engine = new MemoryEngine();
    worker = createWorker({ engine, connection, prefix });
    const { runId } = await enqueueRun({ connection, prefix }, { streams: ['integrations'] });
    await waitFor(() => engine.finished.has(runId), 20_000, 'run');
    // No credentials: Bull Board answers loopback clients only, which the browser here is.
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: createMetrics({ processMetrics: false }),
      bullBoard: { queues: worker.queues, auth: undefined },
    });
  });

  afterAll(async () => {
    await server?.close();
    await worker?.close();
    const keys = await connection.keys(`${prefix}:*`);
    if (keys.length > 0) await connection.del(...keys);
    await connection.quit();
  });

  it('lists the sei-sync queues at /admin/queues', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage();
      const response = await page.goto(`${server.url}/admin/queues`);
      expect(response?.status()).toBe(200);
      for (const name of QUEUE_NAMES) {
        await page.getByText(name, { exact: false }).first().waitFor({ timeout: 15_000 });
      }
      const text = (await page.locator('body').textContent()) ?? '';
      for (const name of QUEUE_NAMES) expect(text).toContain(name);
    } finally {
      await browser.close();
    }
  });
});
