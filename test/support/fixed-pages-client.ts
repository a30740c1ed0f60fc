/**
 * A `ListClient` serving fixed records per path, page by page, the way SEI pages (`has_next` when the
 * page is full, filters ignored): records built in a test reach the engine exactly as written, with
 * no HTTP and no simulator in between.
 */
import type { ListClient, ListRequestBody, ListResult } from '../../src/sei/client.js';
import type { ListResponse } from '../../src/sei/types.js';

export function fixedPagesClient(recordsByPath: Readonly<Record<string, readonly unknown[]>>): ListClient {
  return {
    async list<R>(path: string, body: ListRequestBody): Promise<ListResult<R>> {
      const records = recordsByPath[path] ?? [];
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
