/**
 * The keyset walk over an in-memory server that filters by the range it is sent and sorts the way it
 * is told to, with ties in a new order on every request: every record exactly once, page 0 only
 * (except inside an instant larger than the largest page), from any resume point, in either order.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { type KeysetPage, walkKeyset } from '../../../src/extract/keyset-walk.js';
import type { ListSource } from '../../../src/extract/list-request.js';
import { PageBudget } from '../../../src/extract/page-budget.js';
import type { ListClient, ListRequestBody, ListResult } from '../../../src/extract/sei/client.js';
import type { SeiRecord } from '../../../src/extract/sei/types.js';
import type { KeysetCursor } from '../../../src/streams/types.js';

interface ServerOptions {
  cursor: KeysetCursor;
  order: 'asc' | 'desc' | 'none';
  /** Leave total_count out of the answers. */
  noTotal?: boolean;
}

/** Deterministic shuffle per call (a tiny LCG). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function memoryServer(records: readonly SeiRecord[], options: ServerOptions) {
  const log: { page: number; size: number }[] = [];
  let calls = 0;
  const { cursor } = options;
  const second = (record: SeiRecord) => {
    const value = Number(record[cursor.recordField]);
    return cursor.recordUnit === 'ms' ? value / 1000 : value;
  };
  const client: ListClient = {
    async list<R>(_path: string, body: ListRequestBody): Promise<ListResult<R>> {
      calls++;
      const size = Number(body.page_size);
      log.push({ page: body.page, size });
      const range = (body.filter as Record<string, { $gt: unknown; $lt: unknown }>)[cursor.filter.field]!;
      const low = Number(range.$gt);
      const high = Number(range.$lt);
      const inRange = records.filter((record) => {
        const value = second(record);
        return cursor.filter.inclusive ? value >= low && value <= high : value > low && value < high;
      });
      // Ties in a new order on every request; the sort key itself respected.
      const mixed = shuffled(inRange, calls * 7919);
      const sorted =
        options.order === 'none'
          ? mixed
          : mixed.sort((a, b) => (second(a) - second(b)) * (options.order === 'asc' ? 1 : -1));
      const page = sorted.slice(body.page * size, (body.page + 1) * size);
      return {
        response: {
          records: page as R[],
          count: page.length,
          _metadata: {
            page_size: size,
            has_next: page.length === size,
            ...(options.noTotal ? {} : { total_count: sorted.length }),
          },
        },
        attempts: 1,
        retries: 0,
        rateLimited: 0,
      };
    },
  };
  return { client, log };
}

const SECONDS_CURSOR: KeysetCursor = {
  filter: { field: 'updated_at', boundType: 'number', inclusive: false },
  recordField: 'updated_at',
  recordUnit: 's',
  column: 'updated_at',
  serverOrder: 'asc',
};

const source = (maxPageSize?: number): ListSource => ({
  path: '/v1/things/list',
  sort: [{ id: 'updated_at', desc: false }],
  pageSizeParam: 'page_size',
  ...(maxPageSize !== undefined && { maxPageSize }),
  recordKey: (record) => String(record.id),
});

/** 200 records over 40 instants, one instant holding 30 (a bulk operation). */
function records(unit: 's' | 'ms' = 's'): SeiRecord[] {
  return Array.from({ length: 200 }, (_, i) => {
    const second = i < 30 ? 1_700_000_500 : 1_700_000_000 + (i % 40) * 10;
    return { id: `r${i}`, updated_at: unit === 'ms' ? second * 1000 + (i % 7) : second };
  });
}

async function walkAll(
  client: ListClient,
  cursor: KeysetCursor,
  options: { resumeAt?: number; maxPageSize?: number } = {},
) {
  const range = { from: 1_699_999_000, to: 1_700_001_000 };
  const keys: string[] = [];
  const resumes: number[] = [];
  for await (const page of walkKeyset({
    client,
    source: source(options.maxPageSize),
    cursor,
    range,
    resumeAt: options.resumeAt ?? (cursor.serverOrder === 'asc' ? range.from : range.to),
    pageSize: 10,
    maxRequests: 10_000,
  })) {
    keys.push(...page.records.map((record) => String(record.id)));
    resumes.push(page.resumeAt);
  }
  return { keys, resumes };
}

describe('walkKeyset', () => {
  it('reads every record once under shuffled ties, asking page 0 only (a big instant in one larger page)', async () => {
    const server = memoryServer(records(), { cursor: SECONDS_CURSOR, order: 'asc' });
    const { keys, resumes } = await walkAll(server.client, SECONDS_CURSOR);
    expect(keys.sort()).toEqual(
      records()
        .map((r) => String(r.id))
        .sort(),
    );
    expect(server.log.every((request) => request.page === 0)).toBe(true);
    expect(server.log.some((request) => request.size > 10)).toBe(true);
    expect(resumes).toEqual([...resumes].sort((a, b) => a - b));
  });

  it('reads an instant larger than the cap by offset until the keys reach its count', async () => {
    const server = memoryServer(records(), { cursor: SECONDS_CURSOR, order: 'asc' });
    const { keys } = await walkAll(server.client, SECONDS_CURSOR, { maxPageSize: 10 });
    expect(new Set(keys).size).toBe(200);
    expect(keys.length).toBe(200);
    expect(server.log.some((request) => request.page > 0)).toBe(true);
  });

  it('without a total, reads such an instant until a pass adds nothing', async () => {
    const server = memoryServer(records(), { cursor: SECONDS_CURSOR, order: 'asc', noTotal: true });
    const { keys } = await walkAll(server.client, SECONDS_CURSOR, { maxPageSize: 10 });
    expect(new Set(keys).size).toBe(200);
  });

  it('walks a server that always sorts descending (integrations) from the upper end', async () => {
    const cursor: KeysetCursor = { ...SECONDS_CURSOR, serverOrder: 'desc' };
    const server = memoryServer(records(), { cursor, order: 'desc' });
    const { keys, resumes } = await walkAll(server.client, cursor);
    expect(keys.sort()).toEqual(
      records()
        .map((r) => String(r.id))
        .sort(),
    );
    expect(resumes).toEqual([...resumes].sort((a, b) => b - a));
  });

  it('takes inclusive bounds on records in milliseconds (CI/CD) without reading any record twice', async () => {
    const cursor: KeysetCursor = {
      filter: { field: 'end_time', boundType: 'string', inclusive: true },
      recordField: 'end_time',
      recordUnit: 'ms',
      column: 'end_time',
      serverOrder: 'asc',
    };
    const data = records('ms').map((record) => ({ id: record.id, end_time: record.updated_at }));
    const server = memoryServer(data, { cursor, order: 'asc' });
    const { keys } = await walkAll(server.client, cursor);
    expect(keys.length).toBe(200);
    expect(new Set(keys).size).toBe(200);
  });

  it('resumes from a point: records before it are not read again', async () => {
    const server = memoryServer(records(), { cursor: SECONDS_CURSOR, order: 'asc' });
    const { keys } = await walkAll(server.client, SECONDS_CURSOR, { resumeAt: 1_700_000_200 });
    const expected = records().filter((r) => Number(r.updated_at) >= 1_700_000_200);
    expect(keys.sort()).toEqual(expected.map((r) => String(r.id)).sort());
  });

  it('fails loudly when the server stops sorting by the cursor', async () => {
    const server = memoryServer(records(), { cursor: SECONDS_CURSOR, order: 'none' });
    const error = await walkAll(server.client, SECONDS_CURSOR).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('SEI_SYNC_ERR_UNSORTED');
  });
});

describe('walkKeyset under a page budget', () => {
  const range = { from: 1_699_999_000, to: 1_700_001_000 };
  const walk = (client: ListClient, pages: PageBudget, signal?: AbortSignal) =>
    walkKeyset({
      client,
      source: source(10),
      cursor: SECONDS_CURSOR,
      range,
      resumeAt: range.from,
      pageSize: 10,
      maxRequests: 10_000,
      pages,
      ...(signal && { signal }),
    });

  it('with one page in hand, still reads every record (dropped answers and larger pages give theirs back)', async () => {
    for (const maxPageSize of [10, undefined]) {
      const pages = new PageBudget(1);
      const server = memoryServer(records(), { cursor: SECONDS_CURSOR, order: 'asc' });
      const keys: string[] = [];
      for await (const page of walkKeyset({
        client: server.client,
        source: source(maxPageSize),
        cursor: SECONDS_CURSOR,
        range,
        resumeAt: range.from,
        pageSize: 10,
        maxRequests: 10_000,
        pages,
      })) {
        keys.push(...page.records.map((record) => String(record.id)));
        // The page is committed: its lease goes back.
        page.lease.release();
      }
      expect(new Set(keys).size).toBe(200);
      expect(pages.peak).toBe(1);
      expect(pages.inHand).toBe(0);
    }
  });

  it('an instant larger than the instant page, with no cap known, is read again whole: the first answer gives its place back', async () => {
    const pages = new PageBudget(1);
    const bulk = Array.from({ length: 10_050 }, (_, i) => ({ id: `b${i}`, updated_at: 1_700_000_500 }));
    const data = [...records().slice(30), ...bulk];
    const server = memoryServer(data, { cursor: SECONDS_CURSOR, order: 'asc' });
    const keys = new Set<string>();
    for await (const page of walkKeyset({
      client: server.client,
      source: source(),
      cursor: SECONDS_CURSOR,
      range,
      resumeAt: range.from,
      pageSize: 10,
      maxRequests: 10_000,
      pages,
    })) {
      for (const record of page.records) keys.add(String(record.id));
      page.lease.release();
    }
    expect(keys.size).toBe(data.length);
    expect(server.log.some((request) => request.size > 10_000)).toBe(true);
    expect(pages.inHand).toBe(0);
  });

  it('a page not yet committed holds the next request back once the budget is used up', async () => {
    const pages = new PageBudget(2);
    const server = memoryServer(records(), { cursor: SECONDS_CURSOR, order: 'asc' });
    const walker = walk(server.client, pages);
    const held: KeysetPage[] = [];
    for (let i = 0; i < 2; i++) held.push((await walker.next()).value as KeysetPage);
    // Two pages in hand: the prefetch of the third waits for a lease, so it was never sent.
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.log.length).toBe(2);
    expect(pages.waiting).toBe(1);
    held[0]!.lease.release();
    const third = await walker.next();
    expect(third.done).toBe(false);
    expect(server.log.length).toBe(3);
    await walker.return(undefined);
    for (const page of [...held, third.value as KeysetPage]) page.lease.release();
    await vi.waitFor(() => expect(pages.inHand).toBe(0));
  });

  it('a walk left early gives back the prefetch it no longer needs', async () => {
    const pages = new PageBudget(4);
    const server = memoryServer(records(), { cursor: SECONDS_CURSOR, order: 'asc' });
    for await (const page of walk(server.client, pages)) {
      page.lease.release();
      break;
    }
    await vi.waitFor(() => expect(pages.inHand).toBe(0));
    expect(server.log.length).toBe(2);
  });

  it('a failed request and an abort while waiting for a lease leave the budget whole', async () => {
    const pages = new PageBudget(1);
    const server = memoryServer(records(), { cursor: SECONDS_CURSOR, order: 'asc' });
    let calls = 0;
    const failing: ListClient = {
      list: (path, body, options) => {
        if (++calls === 3) return Promise.reject(new Error('the server is gone'));
        return server.client.list(path, body, options);
      },
    };
    const failed = (async () => {
      for await (const page of walk(failing, pages)) page.lease.release();
    })();
    await expect(failed).rejects.toThrow('the server is gone');
    expect(pages.inHand).toBe(0);

    const controller = new AbortController();
    const aborted = (async () => {
      const walker = walk(server.client, pages, controller.signal);
      const first = (await walker.next()).value as KeysetPage;
      // The page is still being written: the prefetch waits for a lease, and the walk is cancelled.
      controller.abort();
      try {
        await walker.next();
      } finally {
        first.lease.release();
      }
    })();
    await expect(aborted).rejects.toMatchObject({ code: 'SEI_ERR_ABORTED' });
    expect(pages.inHand).toBe(0);
    expect(pages.waiting).toBe(0);
  });
});

describe('walkKeyset and memory', () => {
  /** The garbage collector, which a test process is not given by default. */
  const collect = (): (() => void) => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  };
  /** Made in a frame of its own, so that no register of the test's frame keeps the record. */
  const weakFirstRecord = (page: KeysetPage) => new WeakRef(page.records[0] as object);

  it('holds no record of a page it handed over while it waits for the next answer', async () => {
    const gc = collect();
    const data = Array.from({ length: 40 }, (_, i) => ({ id: `r${i}`, updated_at: 1_700_000_000 + i }));
    let answer!: () => void;
    const held = new Promise<void>((resolve) => {
      answer = resolve;
    });
    let calls = 0;
    const client: ListClient = {
      async list<R>(_path: string, body: ListRequestBody): Promise<ListResult<R>> {
        // The prefetch of the second page is answered only when the test says so.
        if (++calls > 1) await held;
        const bound = (body.filter as Record<string, { $gt: number }>).updated_at!.$gt;
        // New objects on every answer, as a parsed body is.
        const page = JSON.parse(JSON.stringify(data.filter((r) => r.updated_at > bound).slice(0, 10)));
        return {
          response: { records: page as R[], count: page.length, _metadata: { page_size: 10 } },
          attempts: 1,
          retries: 0,
          rateLimited: 0,
        };
      },
    };
    const walk = walkKeyset({
      client,
      source: source(),
      cursor: SECONDS_CURSOR,
      range: { from: 1_699_999_000, to: 1_700_001_000 },
      resumeAt: 1_699_999_000,
      pageSize: 10,
      maxRequests: 100,
    });
    const first = (await walk.next()).value as KeysetPage;
    // The first instant of the page (not its last, which the walk keeps to skip its repeats).
    const record = weakFirstRecord(first);
    // Committed: the consumer lets its records go (slice-walk.ts), and asks for the next page.
    first.records.length = 0;
    const next = walk.next();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(record.deref()).toBeUndefined();
    answer();
    expect((await next).done).toBe(false);
    await walk.return(undefined);
  });
});
