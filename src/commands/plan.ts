import type { Command } from 'commander';
import { createSeiClient } from '../sei/client.js';
import { TokenBucketBudget } from '../sei/token-bucket.js';
import { parseStreamList, STREAMS } from '../streams/registry.js';
import { STREAM_NAMES, type StreamDefinition } from '../streams/types.js';
import { commandContext } from './context.js';
import { runAction } from './run-action.js';
import { textTable } from './text-table.js';

export interface StreamPlan {
  stream: string;
  /** Undefined when the server does not say (or says something we know to be unreliable). */
  records: number | undefined;
  pages: number | undefined;
}

/**
 * Estimates a full walk from page 0. `total_count` is only a hint: org units report the page's own
 * size, so a full first page with total = page size means "at least this many".
 */
export function estimateWalk(
  stream: StreamDefinition,
  pageSize: number,
  firstPage: number,
  totalCount: number | undefined,
): StreamPlan {
  const unreliable = totalCount === undefined || (totalCount === firstPage && firstPage === pageSize);
  if (unreliable) return { stream: stream.name, records: undefined, pages: undefined };
  // The walk also reads the short (or empty) page that tells it the end has come.
  return { stream: stream.name, records: totalCount, pages: Math.floor(totalCount / pageSize) + 1 };
}

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description(
      'dry run: read page 0 of each stream and estimate records, pages, requests and minutes (writes nothing)',
    )
    .option('--streams <names>', 'comma-separated streams (default: all)')
    .action(
      runAction(async (options: { streams?: string }) => {
        const { config, logger } = commandContext();
        if (config.sei.apiKey === undefined)
          throw new Error('SEI_API_KEY is not set; give an SEI Admin API key (or SEI_API_KEY_FILE)');
        const names = options.streams ? parseStreamList(options.streams) : [...STREAM_NAMES];
        const budget = new TokenBucketBudget({ requestsPerMinute: config.sei.requestsPerMinute });
        const client = createSeiClient(config.sei, budget, logger);
        const rows = [];
        let totalRequests = 0;
        try {
          for (const name of names) {
            const stream = STREAMS[name];
            const pageSize = Math.min(config.sei.pageSize, stream.maxPageSize ?? Number.POSITIVE_INFINITY);
            const { response } = await client.list(stream.path, {
              page: 0,
              [stream.pageSizeParam]: pageSize,
              filter: stream.baseFilter ?? {},
              sort: [...stream.sort],
            });
            const estimate = estimateWalk(
              stream,
              pageSize,
              response.records.length,
              response._metadata?.total_count,
            );
            totalRequests += estimate.pages ?? 0;
            rows.push([
              name,
              stream.mode,
              estimate.records ?? `≥ ${response.records.length}`,
              estimate.pages ?? 'unknown',
              estimate.pages ?? 'unknown',
              estimate.pages === undefined
                ? ''
                : Math.ceil((estimate.pages / config.sei.requestsPerMinute) * 10) / 10,
            ]);
          }
        } finally {
          await client.close();
          await budget.close?.();
        }
        process.stdout.write(
          `${textTable(['stream', 'mode', 'records', 'pages', 'requests', 'minutes'], rows)}\n\n`,
        );
        const minutes = totalRequests / config.sei.requestsPerMinute;
        process.stdout.write(
          `full sync: at least ${totalRequests} requests, about ${minutes.toFixed(1)} minutes at ${config.sei.requestsPerMinute} requests/minute (retries not counted); incremental runs read only what changed\n`,
        );
        return 0;
      }),
    );
}
