import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import type { ListCallOptions, ListClient, ListRequestBody, ListResult } from '../../../src/sei/client.js';
import { abortedError, SEI_ERROR_CODES, SeiError } from '../../../src/sei/errors.js';
import type { ListMetadata, ListResponse, SeiRecord } from '../../../src/sei/types.js';
import { PageWalker, type PageWalkerOptions, type WalkedPage } from '../../../src/sei/walker.js';

type Rec = { id: string };

interface FakeBehaviour {
  /** How `has_next` is computed: SEI's usual "page was full", org users' "total > records on page", or absent. */
  hasNext?: 'page_full' | 'total_exceeds_page' | 'always_true' | 'missing';
  /** `total_count`: the dataset size, the records on the page (org units), or absent. */
  totalCount?: 'dataset' | 'page' | 'missing';
  /** Server-side cap on the page size. */
  maxPageSize?: number;
  /** No `_metadata` at all. */
  noMetadata?: boolean;
  /** Called before answering a page (mutate the data, abort a signal). */
  beforePage?: (page: number, records: Rec[]) => void;
}

/** A tiny in-memory list endpoint; records the requests it got. */
class FakeListClient implements ListClient {
  readonly requests: Array<{ path: string; body: ListRequestBody }> = [];
  inFlight = 0;
  maxInFlight = 0;
  gate: Promise<void> | undefined;

  constructor(
    public records: Rec[],
    private readonly behaviour: FakeBehaviour = {},
  ) {}

  async list<R = SeiRecord>(
    path: string,
    body: ListRequestBody,
    options?: ListCallOptions,
  ): Promise<ListResult<R>> {
    this.requests.push({ path, body });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.gate;
      await Promise.resolve();
      if (options?.signal?.aborted) throw abortedError({ method: 'POST', path, page: body.page });
      const requested = Number(body.page_size ?? body.pageSize ?? 1000);
      const size = Math.min(requested, this.behaviour.maxPageSize ?? Number.POSITIVE_INFINITY);
      this.behaviour.beforePage?.(body.page, this.records);
      const slice = this.records.slice(body.page * size, (body.page + 1) * size);
      const b = this.behaviour;
      const metadata: ListMetadata = { page: body.page, page_size: size };
      const total = b.totalCount === 'page' ? slice.length : this.records.length;
      if (b.totalCount !== 'missing') metadata.total_count = total;
      if (b.hasNext === 'total_exceeds_page') metadata.has_next = total > slice.length;
      else if (b.hasNext === 'always_true') metadata.has_next = true;
      else if (b.hasNext !== 'missing') metadata.has_next = slice.length === size;
      const response: ListResponse<Rec> = { records: slice, count: slice.length };
      if (!b.noMetadata) response._metadata = metadata;
      return { response: response as unknown as ListResponse<R>, attempts: 1, retries: 0, rateLimited: 0 };
    } finally {
      this.inFlight--;
    }
  }

  pagesRequested(): number[] {
    return this.requests.map((r) => r.body.page);
  }
}

function dataset(n: number): Rec[] {
  return Array.from({ length: n }, (_, i) => ({ id: `r${i}` }));
}

function walker(client: ListClient, options: Partial<PageWalkerOptions<Rec>> = {}): PageWalker<Rec> {
  return new PageWalker<Rec>({
    client,
    path: '/v1/things/list',
    sort: [{ id: 'id', desc: false }],
    pageSize: 10,
    recordKey: (record) => record.id,
    ...options,
  });
}

async function walkAll(w: PageWalker<Rec>): Promise<WalkedPage<Rec>[]> {
  const pages: WalkedPage<Rec>[] = [];
  for await (const page of w) pages.push(page);
  return pages;
}

function ids(pages: WalkedPage<Rec>[]): string[] {
  return pages.flatMap((p) => p.records.map((r) => r.id));
}

describe('PageWalker termination', () => {
  it('full last page with has_next true: fetches the next page, gets it empty, stops', async () => {
    const client = new FakeListClient(dataset(30));
    const w = walker(client);
    const pages = await walkAll(w);
    expect(client.pagesRequested()).toEqual([0, 1, 2, 3]);
    expect(pages.map((p) => [p.page, p.records.length, p.isLast])).toEqual([
      [0, 10, false],
      [1, 10, false],
      [2, 10, false],
      [3, 0, true],
    ]);
    expect(w.summary).toMatchObject({
      pages: 4,
      records: 30,
      complete: true,
      stopReason: 'empty_page',
      requests: 4,
    });
  });

  it('short page ends the walk without another request', async () => {
    const client = new FakeListClient(dataset(25));
    const w = walker(client);
    const pages = await walkAll(w);
    expect(client.pagesRequested()).toEqual([0, 1, 2]);
    expect(pages.at(-1)).toMatchObject({ page: 2, isLast: true });
    expect(w.summary).toMatchObject({ records: 25, complete: true, stopReason: 'short_page' });
  });

  it('has_next false ends the walk even on a full page', async () => {
    const lying = new FakeListClient(dataset(30), { hasNext: 'missing' });
    // has_next false on page 1 (a full page): the walker must stop there.
    const w = walker({
      list: async <R>(path: string, body: ListRequestBody, options?: ListCallOptions) => {
        const result = await lying.list<R>(path, body, options);
        result.response._metadata = { ...result.response._metadata, has_next: body.page < 1 };
        return result;
      },
    });
    const pages = await walkAll(w);
    expect(pages.map((p) => p.page)).toEqual([0, 1]);
    expect(w.summary).toMatchObject({ complete: true, stopReason: 'has_next_false' });
  });

  it('org users: has_next stays true on the last page and past the end; only empty/short pages stop', async () => {
    const full = new FakeListClient(dataset(30), { hasNext: 'total_exceeds_page' });
    const w1 = walker(full, { hasNext: 'total_exceeds_page' });
    expect(ids(await walkAll(w1))).toEqual(dataset(30).map((r) => r.id));
    expect(full.pagesRequested()).toEqual([0, 1, 2, 3]);
    expect(w1.summary.stopReason).toBe('empty_page');

    const shortLast = new FakeListClient(dataset(25), { hasNext: 'always_true' });
    const w2 = walker(shortLast, { hasNext: 'total_exceeds_page' });
    expect(ids(await walkAll(w2))).toHaveLength(25);
    expect(shortLast.pagesRequested()).toEqual([0, 1, 2]);
    expect(w2.summary.stopReason).toBe('short_page');
  });

  it('has_next false is ignored with total_exceeds_page semantics', async () => {
    const inner = new FakeListClient(dataset(30), { hasNext: 'missing' });
    const w = walker(
      {
        list: async <R>(path: string, body: ListRequestBody, options?: ListCallOptions) => {
          const result = await inner.list<R>(path, body, options);
          result.response._metadata = { ...result.response._metadata, has_next: false };
          return result;
        },
      },
      { hasNext: 'total_exceeds_page' },
    );
    expect(ids(await walkAll(w))).toHaveLength(30);
    expect(w.summary.stopReason).toBe('empty_page');
  });

  it('org units: total_count equal to the records on the page does not end the walk', async () => {
    const client = new FakeListClient(dataset(35), { totalCount: 'page', hasNext: 'missing' });
    const w = walker(client);
    expect(ids(await walkAll(w))).toHaveLength(35);
    expect(client.pagesRequested()).toEqual([0, 1, 2, 3]);
    expect(w.summary.stopReason).toBe('short_page');
  });

  it('missing _metadata: the record count alone decides', async () => {
    const client = new FakeListClient(dataset(20), { noMetadata: true });
    const w = walker(client);
    const pages = await walkAll(w);
    expect(ids(pages)).toHaveLength(20);
    expect(pages.every((p) => p.totalCount === undefined)).toBe(true);
    expect(w.summary).toMatchObject({ stopReason: 'empty_page', complete: true });
  });

  it('stops at the page limit, incomplete', async () => {
    const client = new FakeListClient(dataset(1_000));
    const w = walker(client, { maxPages: 3 });
    const pages = await walkAll(w);
    expect(pages.map((p) => p.page)).toEqual([0, 1, 2]);
    expect(client.pagesRequested()).toEqual([0, 1, 2]);
    expect(pages.at(-1)?.isLast).toBe(false);
    expect(w.summary).toMatchObject({ complete: false, stopReason: 'page_limit', pages: 3 });
  });

  it('a server that never ends is stopped by the page limit', async () => {
    const endless: ListClient = {
      list: async <R>(_path: string, body: ListRequestBody) => ({
        response: {
          records: dataset(10).map((r) => ({ id: `${body.page}-${r.id}` })),
          _metadata: { has_next: true },
        } as unknown as ListResponse<R>,
        attempts: 1,
        retries: 0,
        rateLimited: 0,
      }),
    };
    const w = walker(endless, { maxPages: 50 });
    expect(await walkAll(w)).toHaveLength(50);
    expect(w.summary.stopReason).toBe('page_limit');
  });

  it('a capped page size becomes the effective size, with a warning', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'warn',
      destination: new Writable({
        write(chunk, _e, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    const client = new FakeListClient(dataset(12), { maxPageSize: 5 });
    const w = walker(client, { pageSize: 10, logger });
    expect(ids(await walkAll(w))).toHaveLength(12);
    // Pages of 5: 5, 5, 2 (short) -> without the cap the first page (5 < 10) would have ended the walk.
    expect(client.pagesRequested()).toEqual([0, 1, 2]);
    expect(lines.filter((l) => l.includes('capped the page size'))).toHaveLength(1);
  });
});

describe('PageWalker requests', () => {
  it('sends page, page_size, filter and an explicit sort', async () => {
    const client = new FakeListClient(dataset(5));
    await walkAll(walker(client, { filter: { integration_ids: ['1'] } }));
    expect(client.requests[0]).toEqual({
      path: '/v1/things/list',
      body: { page: 0, page_size: 10, filter: { integration_ids: ['1'] }, sort: [{ id: 'id', desc: false }] },
    });
  });

  it('spells the page size pageSize when told to', async () => {
    const client = new FakeListClient(dataset(5));
    await walkAll(walker(client, { pageSizeParam: 'pageSize' }));
    expect(client.requests[0]?.body).toMatchObject({ pageSize: 10 });
    expect(client.requests[0]?.body).not.toHaveProperty('page_size');
  });

  it('starts from page N', async () => {
    const client = new FakeListClient(dataset(45));
    const w = walker(client, { startPage: 2 });
    const pages = await walkAll(w);
    expect(pages[0]?.page).toBe(2);
    expect(ids(pages)).toEqual(
      dataset(45)
        .slice(20)
        .map((r) => r.id),
    );
    expect(w.summary).toMatchObject({ startPage: 2, pages: 3, complete: true });
  });

  it('prefetches one page ahead but never past a page known to be the last', async () => {
    const client = new FakeListClient(dataset(25));
    const w = walker(client, { prefetch: 1 });
    const seenWhenConsuming: number[] = [];
    for await (const page of w) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      seenWhenConsuming.push(client.requests.length);
      void page;
    }
    // While page 0 is consumed page 1 is already requested; page 2 is short: no page 3.
    expect(seenWhenConsuming).toEqual([2, 3, 3]);
    expect(client.pagesRequested()).toEqual([0, 1, 2]);
    expect(client.maxInFlight).toBe(1);
  });

  it('prefetch fetches past the end at most once', async () => {
    const client = new FakeListClient(dataset(30));
    await walkAll(walker(client, { prefetch: 1 }));
    expect(client.pagesRequested().filter((p) => p * 10 >= 30)).toEqual([3]);
  });

  it('without prefetch requests the next page only when asked', async () => {
    const client = new FakeListClient(dataset(25));
    const seen: number[] = [];
    for await (const _page of walker(client, { prefetch: 0 })) seen.push(client.requests.length);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('breaking out early cancels the prefetch and leaves the walk incomplete', async () => {
    const client = new FakeListClient(dataset(100));
    const w = walker(client);
    for await (const page of w) {
      if (page.page === 1) break;
    }
    expect(w.summary).toMatchObject({ complete: false, stopReason: undefined, pages: 2 });
    expect(client.pagesRequested()).toEqual([0, 1, 2]);
  });

  it('can be iterated once', async () => {
    const w = walker(new FakeListClient(dataset(1)));
    await walkAll(w);
    expect(() => w[Symbol.asyncIterator]()).toThrow(/once/);
  });
});

describe('PageWalker anomalies', () => {
  it('counts records seen again within the duplicate window', async () => {
    // Page 1 repeats the last two records of page 0 (an insert shifted them), page 2 repeats one of page 0.
    const pagesData: Rec[][] = [
      dataset(10),
      [...dataset(10).slice(8), ...dataset(18).slice(10)],
      [{ id: 'r0' }, { id: 'x1' }],
    ];
    const client: ListClient = {
      list: async <R>(_p: string, body: ListRequestBody) => ({
        response: { records: pagesData[body.page] ?? [] } as unknown as ListResponse<R>,
        attempts: 1,
        retries: 0,
        rateLimited: 0,
      }),
    };
    const w = walker(client);
    const pages = await walkAll(w);
    expect(ids(pages)).toHaveLength(22);
    expect(w.summary).toMatchObject({
      duplicates: 3,
      duplicateKeys: ['r8', 'r9', 'r0'],
      firstDuplicatePage: 1,
    });
  });

  it('forgets keys older than the window', async () => {
    const pagesData: Rec[][] = [[{ id: 'a' }], [{ id: 'b' }], [{ id: 'c' }], [{ id: 'a' }]];
    const client: ListClient = {
      list: async <R>(_p: string, body: ListRequestBody) => ({
        response: { records: pagesData[body.page] ?? [] } as unknown as ListResponse<R>,
        attempts: 1,
        retries: 0,
        rateLimited: 0,
      }),
    };
    const w = walker(client, { pageSize: 1, duplicateWindowPages: 2 });
    await walkAll(w);
    expect(w.summary.duplicates).toBe(0);
  });

  it('keeps at most 20 duplicate keys', async () => {
    const client = new FakeListClient(Array.from({ length: 50 }, () => ({ id: 'same' })));
    const w = walker(client, { pageSize: 100 });
    await walkAll(w);
    expect(w.summary.duplicates).toBe(49);
    expect(w.summary.duplicateKeys).toHaveLength(20);
  });

  it('records total_count drift between pages', async () => {
    const client = new FakeListClient(dataset(30), {
      beforePage: (page, records) => {
        if (page === 1) records.push({ id: 'new1' }, { id: 'new2' });
      },
    });
    const w = walker(client);
    const pages = await walkAll(w);
    expect(pages[0]?.totalCount).toBe(30);
    expect(w.summary.totalCountDrift).toEqual([{ page: 1, previous: 30, current: 32 }]);
  });

  it('sums requests, retries and 429s from the client', async () => {
    const inner = new FakeListClient(dataset(15));
    const w = walker({
      list: async <R>(path: string, body: ListRequestBody, options?: ListCallOptions) => ({
        ...(await inner.list<R>(path, body, options)),
        attempts: 3,
        retries: 2,
        rateLimited: 1,
      }),
    });
    await walkAll(w);
    expect(w.summary).toMatchObject({ requests: 6, retries: 4, rateLimited: 2 });
  });

  it('the summary is readable while walking', async () => {
    const w = walker(new FakeListClient(dataset(25)));
    const during: number[] = [];
    for await (const _page of w) during.push(w.summary.records);
    expect(during).toEqual([10, 20, 25]);
  });
});

describe('PageWalker memory', () => {
  it('walks 1M records with a flat heap (pages are not kept)', async () => {
    const total = 1_000_000;
    const size = 1_000;
    const client: ListClient = {
      list: async <R>(_p: string, body: ListRequestBody) => {
        const start = body.page * size;
        const n = Math.max(0, Math.min(size, total - start));
        const records = Array.from({ length: n }, (_, i) => ({ id: `r${start + i}`, text: 'x'.repeat(200) }));
        return {
          response: {
            records,
            _metadata: { page_size: size, has_next: n === size },
          } as unknown as ListResponse<R>,
          attempts: 1,
          retries: 0,
          rateLimited: 0,
        };
      },
    };
    const w = walker(client, { pageSize: size });
    let peakHeapBytes = 0;
    for await (const _page of w) peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
    expect(w.summary).toMatchObject({ records: total, complete: true, duplicates: 0 });
    // Measured around 25-60 MB; 1M records kept would take several hundred.
    expect(peakHeapBytes).toBeLessThan(250 * 2 ** 20);
  });
});

describe('PageWalker abort', () => {
  it('stops fetching and throws SEI_ERR_ABORTED when the signal fires between pages', async () => {
    const controller = new AbortController();
    const client = new FakeListClient(dataset(100));
    const w = walker(client, { signal: controller.signal });
    const seen: number[] = [];
    const walking = (async () => {
      for await (const page of w) {
        seen.push(page.page);
        if (page.page === 1) controller.abort();
      }
    })();
    await expect(walking).rejects.toMatchObject({ code: SEI_ERROR_CODES.aborted });
    expect(seen).toEqual([0, 1]);
    expect(client.pagesRequested().length).toBeLessThanOrEqual(3);
    expect(w.summary).toMatchObject({ stopReason: 'aborted', complete: false });
  });

  it('throws SEI_ERR_ABORTED when already aborted', async () => {
    const client = new FakeListClient(dataset(5));
    const w = walker(client, { signal: AbortSignal.abort() });
    await expect(walkAll(w)).rejects.toBeInstanceOf(SeiError);
    expect(client.requests).toHaveLength(0);
    expect(w.summary.stopReason).toBe('aborted');
  });

  it('passes other client errors through', async () => {
    const w = walker({
      list: async () => {
        throw new SeiError({ code: SEI_ERROR_CODES.forbidden, message: 'no' });
      },
    });
    await expect(walkAll(w)).rejects.toMatchObject({ code: SEI_ERROR_CODES.forbidden });
    expect(w.summary).toMatchObject({ complete: false, stopReason: undefined });
  });
});
