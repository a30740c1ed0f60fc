/** The client tells the walk, page by page, when the simulator's answer held no unstorable string. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config.js';
import { walkKeyset } from '../../../../src/extract/keyset-walk.js';
import { listSourceOf } from '../../../../src/extract/list-source.js';
import { createSeiClient, type SeiClient } from '../../../../src/extract/sei/client.js';
import { TokenBucketBudget } from '../../../../src/extract/sei/token-bucket.js';
import { silentLogger } from '../../../../src/observability/logger.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../../src/simulator/index.js';
import { STREAMS } from '../../../../src/streams/registry.js';

async function pageFlags(simulator: SimulatorHandleWithExtras): Promise<(boolean | undefined)[]> {
  const config = loadConfig({ SEI_BASE_URL: simulator.url, SEI_API_KEY: simulator.adminKey });
  const client: SeiClient = createSeiClient(
    config.sei,
    new TokenBucketBudget({ requestsPerMinute: 60_000 }),
    silentLogger,
  );
  try {
    const stream = STREAMS.jira_issues;
    if (stream.mode !== 'incremental') throw new Error('jira_issues is walked by time');
    const walk = walkKeyset({
      client,
      source: listSourceOf({ settings: { forceDatabaseSource: true } }, stream),
      cursor: stream.cursor,
      range: { from: 0, to: Math.floor(Date.now() / 1000) + 1 },
      resumeAt: 0,
      pageSize: 20,
      maxRequests: 1000,
    });
    const flags: (boolean | undefined)[] = [];
    for await (const page of walk) if (page.records.length > 0) flags.push(page.stringsKnownStorable);
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
    const flags = await pageFlags(clean);
    expect(flags.length).toBeGreaterThanOrEqual(5);
    expect(flags.every((flag) => flag === true)).toBe(true);
  });

  it('is false on pages whose records hold NUL or a lone surrogate', async () => {
    expect(await pageFlags(hostile)).toContain(false);
  });
});
