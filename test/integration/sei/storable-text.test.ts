/** The client tells the walker, page by page, when the simulator's answer held no unstorable string. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createSeiClient, type SeiClient } from '../../../src/sei/client.js';
import { TokenBucketBudget } from '../../../src/sei/token-bucket.js';
import { PageWalker } from '../../../src/sei/walker.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';

async function pageFlags(simulator: SimulatorHandleWithExtras): Promise<(boolean | undefined)[]> {
  const config = loadConfig({ SEI_BASE_URL: simulator.url, SEI_API_KEY: simulator.adminKey });
  const client: SeiClient = createSeiClient(
    config.sei,
    new TokenBucketBudget({ requestsPerMinute: 60_000 }),
    silentLogger,
  );
  try {
    const walker = new PageWalker({
      client,
      path: '/v1/jira_issues/list',
      sort: [{ id: 'issue_updated_at', desc: false }],
      pageSize: 20,
      pageSizeParam: 'page_size',
      hasNext: 'page_full',
      logger: silentLogger,
    });
    const flags: (boolean | undefined)[] = [];
    for await (const page of walker) if (page.records.length > 0) flags.push(page.stringsKnownStorable);
    return flags;
  } finally {
    await client.close();
  }
}

describe('stringsKnownStorable from client to walker', () => {
  let clean: SimulatorHandleWithExtras;
  let hostile: SimulatorHandleWithExtras;
  beforeAll(async () => {
    clean = await startSimulator({ records: 100, seed: 4 });
    hostile = await startSimulator({ records: 100, seed: 4, hostile: 1 });
  });
  afterAll(async () => {
    await clean?.close();
    await hostile?.close();
  });

  it('is true on every page of clean records', async () => {
    expect(await pageFlags(clean)).toEqual([true, true, true, true, true]);
  });

  it('is false on pages whose records hold NUL or a lone surrogate', async () => {
    expect(await pageFlags(hostile)).toContain(false);
  });
});
