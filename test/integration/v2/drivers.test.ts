/**
 * The worker runs the 2.0 streams through the same steps as `sei-sync sync`: a stream job's first step
 * (beginStream) does the whole stream and ends it, and the tables come out the same as in one process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { V2_STREAM_NAMES } from '../../../src/streams/types.js';
import { startV2Harness, TABLES, type V2Harness } from './harness.js';

describe('SEI 2.0 streams under both drivers', () => {
  let local: V2Harness;
  let worker: V2Harness;

  beforeAll(async () => {
    [local, worker] = await Promise.all([startV2Harness({ seed: 5 }), startV2Harness({ seed: 5 })]);
  });
  afterAll(async () => {
    await Promise.all([local?.close(), worker?.close()]);
  });

  it('load the same rows in one process and as worker steps', async () => {
    const run = await local.sync();
    expect(run.status).toBe('succeeded');

    const configured = await worker.engine();
    try {
      const { engine } = configured;
      const runId = await engine.startRun({
        trigger: 'manual',
        streams: V2_STREAM_NAMES,
        fullRefresh: false,
      });
      const results = [];
      for (const stream of V2_STREAM_NAMES) {
        const step = await engine.beginStream({ runId, stream, fullRefresh: false });
        expect(step.kind).toBe('done');
        if (step.kind === 'done') results.push(step.result);
      }
      expect(results.map((result) => [result.stream, result.status])).toEqual(
        V2_STREAM_NAMES.map((name) => [name, 'succeeded']),
      );
      expect(await engine.finishRun(runId, results)).toBe('succeeded');
    } finally {
      await configured.close();
    }
    const expected = await local.rows(TABLES);
    expect(expected.length).toBeGreaterThan(1000);
    expect(await worker.rows(TABLES)).toEqual(expected);
  });
});
