/**
 * A list this SEI does not serve (issue 21, finding 3): a 404 from one list while the others answer
 * marks its stream unavailable (not a failed run), remembered and asked again daily; a 404 on every
 * list keeps the message about SEI_ENV/SEI_BASE_URL; a stream the user named still fails.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { lastStreamRuns } from '../../../src/state/ledger.js';
import { STREAMS as STREAM_DEFINITIONS } from '../../../src/streams/registry.js';
import { STREAM_NAMES, type StreamName } from '../../../src/streams/types.js';
import { runSync } from '../../../src/sync/run-sync.js';
import type { SyncEngine } from '../../../src/sync/types.js';
import { type SyncHarness, startSyncHarness } from '../../support/sync-harness.js';

const STREAMS: StreamName[] = ['integrations', 'pagerduty_incidents', 'scm_pull_requests'];

describe('a list that answers 404', () => {
  let harness: SyncHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  const sync = (engine: SyncEngine, options: { named?: boolean; streams?: StreamName[] } = {}) =>
    runSync(engine, {
      streams: options.streams ?? STREAMS,
      fullRefresh: false,
      trigger: 'cli',
      ...(options.named && { named: true }),
    });
  const asked = (stream: StreamName) =>
    harness!.simulator.requestLog.filter((e) => e.path.endsWith(STREAM_DEFINITIONS[stream].path)).length;

  it('while the others answer: unavailable, not a failed run; asked again only after a day', async () => {
    harness = await startSyncHarness({
      simulator: { records: 40, seed: 71, quirks: { missingEndpoints: ['pagerduty_incidents'] } },
    });
    const run = await sync(harness.engine);
    expect(run.status).toBe('succeeded');
    const pagerduty = run.results.find((r) => r.stream === 'pagerduty_incidents');
    expect(pagerduty).toMatchObject({
      status: 'succeeded',
      condition: {
        kind: 'unavailable',
        reason: expect.stringMatching(/answered 404 while other lists answer/),
      },
    });
    expect(run.results.filter((r) => r.status !== 'succeeded')).toEqual([]);
    // `status` reads it from the ledger.
    const { latest } = await lastStreamRuns(harness.warehouse.db);
    expect(latest.find((r) => r.stream === 'pagerduty_incidents')).toMatchObject({
      status: 'succeeded',
      condition: { kind: 'unavailable' },
    });

    // The next run (an hour later) does not ask it; a day later it does, and finds it served now.
    harness.simulator.clearRequestLog();
    const hourLater = harness.newEngine({ now: () => new Date(Date.now() + 3_600_000) });
    const second = await sync(hourLater);
    expect(second.results.find((r) => r.stream === 'pagerduty_incidents')).toMatchObject({
      condition: { kind: 'unavailable', reason: expect.stringMatching(/not asked again before/) },
    });
    expect(asked('pagerduty_incidents')).toBe(0);

    harness.simulator.setQuirks({ missingEndpoints: [] });
    const dayLater = harness.newEngine({ now: () => new Date(Date.now() + 25 * 3_600_000) });
    const third = await sync(dayLater);
    expect(third.status).toBe('succeeded');
    const served = third.results.find((r) => r.stream === 'pagerduty_incidents');
    expect(served).toMatchObject({ status: 'succeeded' });
    expect(served).not.toHaveProperty('condition');
    expect(asked('pagerduty_incidents')).toBeGreaterThan(0);
    const remembered = await harness.warehouse.db
      .selectFrom('sei_sync.unavailable_endpoints')
      .selectAll()
      .execute();
    expect(remembered).toEqual([]);
  });

  it('a stream the user named fails, saying what to do', async () => {
    harness = await startSyncHarness({
      simulator: { records: 40, seed: 72, quirks: { missingEndpoints: ['pagerduty_incidents'] } },
    });
    const run = await sync(harness.engine, { named: true });
    expect(run.status).toBe('partial');
    expect(run.results.find((r) => r.stream === 'pagerduty_incidents')).toMatchObject({
      status: 'failed',
      error: {
        code: 'SEI_ERR_NOT_FOUND',
        message: expect.stringMatching(/leave pagerduty_incidents out of --streams/),
      },
    });
  });

  it('on every list: the message about SEI_ENV/SEI_BASE_URL, for every stream', async () => {
    harness = await startSyncHarness({
      // A base URL that serves no list: every list answers 404.
      simulator: { records: 40, seed: 73, quirks: { missingEndpoints: STREAM_NAMES } },
    });
    const run = await sync(harness.engine);
    expect(run.status).toBe('failed');
    for (const result of run.results)
      expect(result).toMatchObject({
        status: 'failed',
        error: { code: 'SEI_ERR_NOT_FOUND', message: expect.stringMatching(/check SEI_ENV\/SEI_BASE_URL/) },
      });
  });
});
