/**
 * A `ListClient` serving fixed records per path, the way SEI pages (`has_next` when the page is full,
 * `total_count` the filtered total): records built in a test reach the engine exactly as written, with
 * no HTTP and no simulator in between.
 *
 * Incremental streams are walked by time, so the time range on the stream's cursor is applied and the
 * records come sorted by it, as the server does. Records that have no cursor value (not even an object)
 * cannot match a range on the server; here they are served once, ahead of the others, to every window
 * that starts at the beginning of time, so that the engine still meets them.
 */
import type { ListClient, ListRequestBody, ListResult } from '../../src/extract/sei/client.js';
import type { ListResponse } from '../../src/extract/sei/types.js';
import { recordSecond } from '../../src/extract/time-range.js';
import { STREAMS } from '../../src/streams/registry.js';

function window(path: string, body: ListRequestBody, records: readonly unknown[]): readonly unknown[] {
  const stream = Object.values(STREAMS).find((definition) => definition.path === path);
  if (stream?.mode !== 'incremental') return records;
  const { filter, recordField } = stream.cursor;
  const bounds = (body.filter as Record<string, { $gt?: unknown; $lt?: unknown }> | undefined)?.[
    filter.field
  ];
  if (bounds === undefined) return records;
  const from = Number(bounds.$gt) + (filter.inclusive ? 0 : 1);
  const to = Number(bounds.$lt) + (filter.inclusive ? 1 : 0);
  const placed = records.map((record, index) => ({
    record,
    index,
    second:
      record !== null && typeof record === 'object' && !Array.isArray(record) && recordField in record
        ? recordSecond(stream.cursor, record as Record<string, unknown>)
        : undefined,
  }));
  const unplaced = from <= 0 ? placed.filter((entry) => entry.second === undefined) : [];
  const inRange = placed
    .filter((entry) => entry.second !== undefined && entry.second >= from && entry.second < to)
    .sort((a, b) => (a.second as number) - (b.second as number) || a.index - b.index);
  return [...unplaced, ...inRange].map((entry) => entry.record);
}

export function fixedPagesClient(recordsByPath: Readonly<Record<string, readonly unknown[]>>): ListClient {
  return {
    async list<R>(path: string, body: ListRequestBody): Promise<ListResult<R>> {
      const records = window(path, body, recordsByPath[path] ?? []);
      const size = Number(body.page_size ?? body.pageSize ?? 1000);
      const page = records.slice(body.page * size, (body.page + 1) * size);
      const response: ListResponse<unknown> = {
        records: [...page],
        count: page.length,
        _metadata: {
          page: body.page,
          page_size: size,
          has_next: page.length === size,
          total_count: records.length,
        },
      };
      return { response: response as ListResponse<R>, attempts: 1, retries: 0, rateLimited: 0 };
    },
  };
}
