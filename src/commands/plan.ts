import type { Command } from 'commander';
import { createSeiClient } from '../sei/client.js';
import { TokenBucketBudget } from '../sei/token-bucket.js';
import { parseStreamList, STREAMS } from '../streams/registry.js';
import { STREAM_NAMES, type StreamDefinition } from '../streams/types.js';
import { commandContext } from './context.js';
import {
  documentHead,
  exitCodeOf,
  JSON_FLAG,
  JSON_OPTION_HELP,
  type PlanDocument,
  type StreamPlanJson,
  writeJsonDocument,
} from './json-output.js';
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

/** Minutes a number of requests takes at the budget, to one decimal, rounded up. */
function minutesAt(requests: number, requestsPerMinute: number): number {
  return Math.ceil((requests / requestsPerMinute) * 10) / 10;
}

export function planDocument(streams: StreamPlanJson[], requestsPerMinute: number): PlanDocument {
  const requests = streams.reduce((sum, stream) => sum + (stream.requests ?? 0), 0);
  return {
    ...documentHead('plan', true),
    requestsPerMinute,
    streams,
    total: { requests, minutes: minutesAt(requests, requestsPerMinute) },
  };
}

function planText(document: PlanDocument): string {
  const rows = document.streams.map((plan) => [
    plan.stream,
    plan.mode,
    plan.records ?? `≥ ${plan.recordsAtLeast}`,
    plan.pages ?? 'unknown',
    plan.requests ?? 'unknown',
    plan.minutes ?? '',
  ]);
  const { requests, minutes } = document.total;
  return `${textTable(['stream', 'mode', 'records', 'pages', 'requests', 'minutes'], rows)}

full sync: at least ${requests} requests, about ${minutes.toFixed(1)} minutes at ${document.requestsPerMinute} requests/minute (retries not counted); incremental runs read only what changed
`;
}

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description(
      'dry run: read page 0 of each stream and estimate records, pages, requests and minutes (writes nothing)',
    )
    .option('--streams <names>', 'comma-separated streams (default: all)')
    .option(JSON_FLAG, JSON_OPTION_HELP)
    .action(
      runAction(async (options: { streams?: string; json?: boolean }) => {
        const { config, logger } = commandContext();
        if (config.sei.apiKey === undefined)
          throw new Error('SEI_API_KEY is not set; give an SEI Admin API key (or SEI_API_KEY_FILE)');
        const names = options.streams ? parseStreamList(options.streams) : [...STREAM_NAMES];
        const { requestsPerMinute } = config.sei;
        const budget = new TokenBucketBudget({ requestsPerMinute });
        const client = createSeiClient(config.sei, budget, logger);
        const plans: StreamPlanJson[] = [];
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
            plans.push({
              stream: name,
              mode: stream.mode,
              records: estimate.records ?? null,
              recordsAtLeast: response.records.length,
              pages: estimate.pages ?? null,
              // One request per page; retries are not counted.
              requests: estimate.pages ?? null,
              minutes: estimate.pages === undefined ? null : minutesAt(estimate.pages, requestsPerMinute),
            });
          }
        } finally {
          await client.close();
          await budget.close?.();
        }
        const document = planDocument(plans, requestsPerMinute);
        if (options.json) writeJsonDocument(document);
        else process.stdout.write(planText(document));
        return exitCodeOf(document);
      }),
    );
}
