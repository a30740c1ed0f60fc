/**
 * Window edges at sub-second instants, against the simulator: work items carry `workitem_updated_at`
 * in milliseconds with a fraction (the server's own data has nine at `1664809548513`), CI/CD runs and
 * their tests `end_time` in ms, and the server compares a bound in whole seconds with the exact instant
 * (`> to_timestamp(s)`: exclusive for work items and tests, `>=` for runs). A bulk edit tied at one
 * millisecond, a full page of it or more, is walked whole: no record lost, none read twice, no
 * `SEI_SYNC_ERR_NO_CURSOR`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkKeyset } from '../../../src/extract/keyset-walk.js';
import { SeiClient } from '../../../src/extract/sei/client.js';
import { TokenBucketBudget } from '../../../src/extract/sei/token-bucket.js';
import { recordSecond, type TimeRange } from '../../../src/extract/time-range.js';
import { Secret } from '../../../src/secret.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../../src/simulator/index.js';
import { STREAMS } from '../../../src/streams/registry.js';
import type { IncrementalStream, StreamName } from '../../../src/streams/types.js';

/** The server's own tied work items: 2022-10-03T15:05:48.513Z. */
const TIED_AT_MS = 1_664_809_548_513;

let sim: SimulatorHandleWithExtras;
let client: SeiClient;

beforeAll(async () => {
  sim = await startSimulator({
    seed: 5,
    records: 100,
    streamSizes: { workitems: 1_400, cicd_job_runs: 300, cicd_job_run_tests: 600 },
  });
  client = new SeiClient({
    baseUrl: `${sim.url}/gratis/sei/api`,
    apiKey: new Secret(sim.adminKey),
    timeoutMs: 5_000,
    budget: new TokenBucketBudget({ requestsPerMinute: 600_000, burst: 100 }),
  });
});
afterAll(async () => {
  await client.close();
  await sim.close();
});

const ALL_TIME = { from: 0, to: Math.floor(Date.now() / 1000) + 1 };
/** An hour either side of the tie: only the records this test dates there. */
const AROUND_TIE = { from: Math.floor(TIED_AT_MS / 1000) - 3600, to: Math.floor(TIED_AT_MS / 1000) + 3600 };

async function walkAll(name: StreamName, pageSize: number, range: TimeRange = ALL_TIME): Promise<string[]> {
  const stream = STREAMS[name] as IncrementalStream;
  const keys: string[] = [];
  for await (const page of walkKeyset({
    client,
    source: {
      path: stream.path,
      sort: stream.sort,
      pageSizeParam: stream.pageSizeParam,
      ...(stream.extraBody && { extraBody: stream.extraBody }),
      ...(stream.baseFilter && { baseFilter: stream.baseFilter }),
      recordKey: (record) => stream.recordKey(record),
    },
    cursor: stream.cursor,
    range,
    resumeAt: range.from,
    pageSize,
    maxRequests: 20_000,
  }))
    for (const record of page.records) keys.push(sim.recordKey(name, record));
  return keys;
}

/** The dataset's records with an instant in `range` (to the millisecond: nothing here lies near its ends). */
function expectedKeys(name: StreamName, range: TimeRange = ALL_TIME): string[] {
  const stream = STREAMS[name] as IncrementalStream;
  return sim.dataset
    .records(name)
    .filter((record) => {
      const second = recordSecond(stream.cursor, record);
      return second !== undefined && second >= range.from && second < range.to;
    })
    .map((record) => sim.recordKey(name, record))
    .sort();
}

describe('sub-second instants at a window edge', () => {
  it('nine work items at 1664809548513, and neighbours at the seconds around it, are walked whole at page sizes 1 to 7', async () => {
    const { updated } = sim.dataset.mutate('workitems', { update: 9 }, TIED_AT_MS);
    const tied = sim.dataset.records('workitems').filter((r) => r.workitem_updated_at === TIED_AT_MS);
    expect(tied.map((r) => sim.recordKey('workitems', r)).sort()).toEqual(updated.slice().sort());
    // The second's own start, a fraction before it, and the next second's start.
    for (const atMs of [TIED_AT_MS - 513, TIED_AT_MS - 600, TIED_AT_MS + 487])
      sim.dataset.mutate('workitems', { update: 3 }, atMs);
    expect(expectedKeys('workitems', AROUND_TIE)).toHaveLength(18);
    for (let pageSize = 1; pageSize <= 7; pageSize++) {
      const keys = await walkAll('workitems', pageSize, AROUND_TIE);
      expect({ pageSize, keys: keys.slice().sort() }).toEqual({
        pageSize,
        keys: expectedKeys('workitems', AROUND_TIE),
      });
    }
  });

  it('a bulk edit of 1000 work items within one millisecond is walked whole at page size 1000', async () => {
    sim.dataset.mutate('workitems', { update: 1_000 }, TIED_AT_MS + 7_000);
    const keys = await walkAll('workitems', 1_000);
    expect(keys.slice().sort()).toEqual(expectedKeys('workitems'));
  });

  it.each(['cicd_job_run_tests', 'cicd_job_runs'] as const)(
    '%s: runs ending at one fractional second, a full page of them and more, are walked whole',
    async (name) => {
      sim.dataset.mutate(name, { update: 40 }, TIED_AT_MS);
      sim.dataset.mutate(name, { update: 5 }, TIED_AT_MS + 487);
      for (const pageSize of [1, 3, 7]) {
        const keys = await walkAll(name, pageSize, AROUND_TIE);
        expect({ pageSize, keys: keys.slice().sort() }).toEqual({
          pageSize,
          keys: expectedKeys(name, AROUND_TIE),
        });
      }
      expect((await walkAll(name, 1_000)).sort()).toEqual(expectedKeys(name));
    },
  );
});
