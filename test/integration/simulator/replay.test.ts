/** The replay server over real HTTP: what it matches, in what order it answers, what it says when it cannot. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../../src/capture/index.js';
import {
  type ReplayServed,
  type ReplayServer,
  startReplayServer,
} from '../../../src/simulator/replay/index.js';

const PATH = '/v1/jira_issues/list';
const QUERY = { there_is_no_cache: 'true', force_source: 'db' };
const BODY = {
  page: 0,
  page_size: 2,
  filter: { issue_updated_at: { $gt: -1, $lt: 100 } },
  sort: [{ id: 'issue_updated_at', desc: false }],
};

function exchange(seq: number, body: unknown, response: CapturedExchange['response']): CapturedExchange {
  return {
    seq,
    stream: 'jira_issues',
    request: { method: 'POST', path: PATH, query: QUERY, body },
    response,
  };
}

describe('startReplayServer', () => {
  let replay: ReplayServer;
  beforeAll(async () => {
    replay = await startReplayServer({
      exchanges: [
        // Out of order on purpose: answers are kept in the order they were sent (seq).
        exchange(2, BODY, {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: { records: [{ key: 'A-1' }], count: 1 },
        }),
        exchange(1, BODY, { status: 429, headers: { 'retry-after': '2' }, bodyText: 'slow down' }),
        exchange(3, { ...BODY, page: 1 }, { status: 200, headers: {}, body: { records: [] } }),
      ],
    });
  });
  afterAll(() => replay.close());

  const post = (body: string, query = '?force_source=db&there_is_no_cache=true', path = PATH) =>
    fetch(`${replay.url}${path}${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  it('matches the JSON whatever its key order, and the query whatever its order', async () => {
    const reordered = `{"sort":[{"desc":false,"id":"issue_updated_at"}],"filter":{"issue_updated_at":{"$lt":100,"$gt":-1}},"page_size":2,"page":1}`;
    const answer = await post(reordered, '?there_is_no_cache=true&force_source=db');
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ records: [] });
  });

  it('gives one request its captured answers in order, then the last one again', async () => {
    const first = await post(JSON.stringify(BODY));
    expect([first.status, first.headers.get('retry-after'), await first.text()]).toEqual([
      429,
      '2',
      'slow down',
    ]);
    for (let n = 0; n < 2; n++) {
      const next = await post(JSON.stringify(BODY));
      expect(next.status).toBe(200);
      expect(next.headers.get('content-type')).toBe('application/json');
      expect(await next.json()).toEqual({ records: [{ key: 'A-1' }], count: 1 });
    }
    expect(replay.served).toBe(4);
  });

  it('answers a request that was not captured with a 404 naming it and what to capture', async () => {
    const other = { ...BODY, page: 2 };
    const answer = await post(JSON.stringify(other));
    expect(answer.status).toBe(404);
    const body = (await answer.json()) as { message: string; notCaptured: unknown };
    expect(body.notCaptured).toEqual({ method: 'POST', path: PATH, query: QUERY, body: other });
    expect(body.message).toContain(`not captured: POST ${PATH} with body ${JSON.stringify(other)}`);
    expect(body.message).toContain('more --pages');
    const elsewhere = await post('{"page":0}', '', '/v1/org/users/list');
    expect(((await elsewhere.json()) as { message: string }).message).toContain('--streams');
    expect(replay.misses.map((miss) => miss.path)).toEqual([PATH, '/v1/org/users/list']);
  });
});

describe('startReplayServer with a latency model', () => {
  const served: ReplayServed[] = [];
  let replay: ReplayServer;
  const page = (n: number) => ({ ...BODY, page: n });
  beforeAll(async () => {
    replay = await startReplayServer({
      exchanges: [
        exchange(1, page(0), {
          status: 200,
          headers: {},
          body: { records: [{ key: 'A-1' }, { key: 'A-2' }] },
        }),
        exchange(2, page(3), { status: 200, headers: {}, body: { records: [{ key: 'A-7' }] } }),
        exchange(3, page(4), { status: 429, headers: { 'retry-after': '1' }, bodyText: 'slow down' }),
      ],
      latencyMs: 1,
      // Small numbers, each visible in the sum: 5 ms + 1 ms per record + 1 s per 1,000 records skipped.
      latency: { fixedMs: 5, perRecordMs: 1, perThousandSkippedMs: 1000 },
      onServe: (answer) => served.push(answer),
    });
  });
  afterAll(() => replay.close());

  it('delays each answer by its records and the records its offset skips, as the simulator would', async () => {
    for (const n of [0, 3, 4])
      await fetch(`${replay.url}${PATH}?force_source=db&there_is_no_cache=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(page(n)),
      }).then((answer) => answer.arrayBuffer());
    expect(served.map((answer) => [answer.status, answer.records, answer.delayMs])).toEqual([
      // page 0: 1 + 5 + 2 records
      [200, 2, 8],
      // page 3 of 2: 1 + 5 + 1 record + 6 skipped
      [200, 1, 13],
      // an error is answered without the model's delay (the constant one stays)
      [429, 0, 1],
    ]);
  });
});
