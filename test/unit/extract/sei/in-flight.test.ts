import { describe, expect, it } from 'vitest';
import { SEI_ERROR_CODES } from '../../../../src/errors.js';
import type { ListClient, ListResult } from '../../../../src/extract/sei/client.js';
import { SeiError } from '../../../../src/extract/sei/errors.js';
import { InFlightLimit } from '../../../../src/extract/sei/in-flight.js';

/** A client whose answers the test releases by hand, counting how many are under way. */
function manualClient() {
  const pending: (() => void)[] = [];
  let inFlight = 0;
  let peak = 0;
  const client: ListClient = {
    async list<R>(): Promise<ListResult<R>> {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise<void>((resolve) => pending.push(resolve));
      inFlight--;
      return { response: { records: [] }, attempts: 1, retries: 0, rateLimited: 0 };
    },
  };
  return {
    client,
    release: () => pending.shift()?.(),
    get pending() {
      return pending.length;
    },
    get peak() {
      return peak;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('InFlightLimit', () => {
  it('sizes the concurrency from the budget rate times the latency, within the cap', () => {
    const client = manualClient().client;
    // 600/min = 10/s; 1 s latency → 10 × 1.25 = 13, capped at 8.
    expect(new InFlightLimit(client, { requestsPerMinute: 600, maxInFlight: 8 }).limit).toBe(8);
    // 600/min with 200 ms answers: 10 × 0.2 × 1.25 = 2.5 → 3.
    expect(
      new InFlightLimit(client, { requestsPerMinute: 600, maxInFlight: 8, initialLatencyMs: 200 }).limit,
    ).toBe(3);
    // Never below one.
    expect(
      new InFlightLimit(client, { requestsPerMinute: 1, maxInFlight: 8, initialLatencyMs: 10 }).limit,
    ).toBe(1);
  });

  it('never has more requests under way than the limit, and follows the latency it observes', async () => {
    const server = manualClient();
    let clock = 0;
    const limit = new InFlightLimit(server.client, {
      requestsPerMinute: 600,
      maxInFlight: 4,
      initialLatencyMs: 100,
      smoothing: 1,
      nowMs: () => clock,
    });
    expect(limit.limit).toBe(2);
    const calls = Array.from({ length: 6 }, () => limit.list('/v1/x/list', { page: 0 }));
    await tick();
    expect(server.pending).toBe(2);
    // Answers now take 2 s: 10/s × 2 s × 1.25 = 25, capped at 4.
    clock += 2000;
    server.release();
    server.release();
    await tick();
    await tick();
    expect(limit.limit).toBe(4);
    expect(server.pending).toBe(4);
    while (server.pending > 0) {
      server.release();
      await tick();
      await tick();
    }
    await Promise.all(calls);
    expect(server.peak).toBe(4);
    expect(limit.peak).toBe(4);
  });

  it('leaves counts out of the latency: the quick counts of a plan do not shrink the limit its pages need', async () => {
    const server = manualClient();
    let clock = 0;
    const limit = new InFlightLimit(server.client, {
      requestsPerMinute: 600,
      maxInFlight: 16,
      initialLatencyMs: 1000,
      smoothing: 1,
      nowMs: () => clock,
    });
    expect(limit.limit).toBe(13);
    const answered = async (
      body: { page: number } & Record<string, unknown>,
      ms: number,
      count?: boolean,
    ) => {
      const call = limit.list('/v1/x/list', body, count === undefined ? undefined : { count });
      await tick();
      clock += ms;
      server.release();
      await call;
    };
    await answered({ page: 0, page_size: 1 }, 100);
    await answered({ page: 0, pageSize: 1 }, 100);
    // A count that also reads its first few records (a plan from before 1970).
    await answered({ page: 0, page_size: 10 }, 100, true);
    expect(limit.limit).toBe(13);
    // A page is what the walk's slots hold: 10/s × 0.4 s × 1.25 = 5.
    await answered({ page: 0, page_size: 1000 }, 400);
    expect(limit.limit).toBe(5);
  });

  it('sends counts beside the pages, up to their own cap: a plan round is not held to the limit of pages', async () => {
    const server = manualClient();
    const limit = new InFlightLimit(server.client, {
      requestsPerMinute: 6000,
      maxInFlight: 2,
      maxCountsInFlight: 3,
    });
    const pages = Array.from({ length: 3 }, (_, page) => limit.list('/v1/x/list', { page, page_size: 1000 }));
    const counts = Array.from({ length: 5 }, () => limit.list('/v1/x/list', { page: 0, page_size: 1 }));
    await tick();
    // Two pages (the limit) and three counts (their cap) under way; one page and two counts wait.
    expect(server.pending).toBe(5);
    expect(limit.peak).toBe(2);
    while (server.pending > 0) {
      server.release();
      await tick();
      await tick();
    }
    await Promise.all([...pages, ...counts]);
    expect(server.peak).toBe(5);
    expect(limit.peak).toBe(2);
  });

  it('a call waiting for a slot stops with SEI_ERR_ABORTED when its signal fires', async () => {
    const server = manualClient();
    const limit = new InFlightLimit(server.client, {
      requestsPerMinute: 60,
      maxInFlight: 1,
      initialLatencyMs: 10,
    });
    const first = limit.list('/v1/x/list', { page: 0 });
    const controller = new AbortController();
    const second = limit
      .list('/v1/x/list', { page: 1 }, { signal: controller.signal })
      .catch((e: unknown) => e);
    await tick();
    controller.abort();
    const error = await second;
    expect(error).toBeInstanceOf(SeiError);
    expect((error as SeiError).code).toBe(SEI_ERROR_CODES.aborted);
    server.release();
    await first;
  });
});
