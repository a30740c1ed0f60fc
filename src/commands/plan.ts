/**
 * `sei-sync plan`: a dry run. One request per stream tells how much a full walk would read: a
 * one-record page of the stream's whole window (incremental streams: from the beginning of time to
 * now, with the request shape the sync sends) carries the server's count; full-refresh lists are read
 * whole in one request anyway. Nothing is written.
 */
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { countCollections, doraPlan } from '../dora/index.js';
import {
  createSeiClient,
  EARLIEST_SECOND,
  knownFailure,
  type ListClient,
  listPage,
  listSourceOf,
  rateLimitCostLine,
  sliceShape,
  TokenBucketBudget,
  WHOLE_LIST_PAGE_SIZE,
  windowFilter,
} from '../extract/index.js';
import { ALL_STREAMS, isListStream, parseAnyStreamList } from '../streams/registry.js';
import {
  DORA_STREAM_NAMES,
  type DoraStreamName,
  STREAM_NAMES,
  type StreamDefinition,
  type StreamName,
} from '../streams/types.js';
import { commandContext } from './context.js';
import {
  documentHead,
  exitCodeOf,
  JSON_FLAG,
  JSON_OPTION_HELP,
  minutesAt,
  type PlanDocument,
  type StreamPlanJson,
  scopeJson,
  writeJsonDocument,
} from './json-output.js';
import { runAction } from './run-action.js';
import { describeScope, type ScopeOptions, withScopeOptions } from './scope-options.js';
import { textTable } from './text-table.js';

export interface StreamPlan {
  stream: string;
  /** Undefined when the server does not say (or says something known to be unreliable). */
  records: number | undefined;
  /** Time slices the walk would be cut into (1 for lists). */
  slices: number;
  pages: number | undefined;
  /** Requests of a full walk: counts, pages and the empty pages that end slices. */
  requests: number | undefined;
}

/**
 * Estimates a full walk of `total` records. Incremental streams: the slicing counts (about two per
 * slice) and one page per `pageSize` records, plus the partial last page of each slice. Lists: one request
 * while the list fits a whole-list page. Org units and categories report the page's own size as their
 * count, so a full list with a count equal to what came back is "at least".
 */
export function estimateWalk(
  stream: StreamDefinition,
  pageSize: number,
  served: number,
  total: number | undefined,
): StreamPlan {
  if (stream.mode === 'full_refresh') {
    const unreliable = total === undefined || (total === served && served >= WHOLE_LIST_PAGE_SIZE);
    if (unreliable)
      return { stream: stream.name, records: undefined, slices: 1, pages: undefined, requests: undefined };
    const pages = Math.max(1, Math.ceil(total / WHOLE_LIST_PAGE_SIZE));
    return { stream: stream.name, records: total, slices: 1, pages, requests: pages };
  }
  if (total === undefined)
    return { stream: stream.name, records: undefined, slices: 1, pages: undefined, requests: undefined };
  const { slices, target } = sliceShape(total, pageSize);
  // Each slice ends on a short page of its own; boundary instants read again add a few records, not pages.
  const pages =
    total === 0 ? 0 : slices === 1 ? Math.ceil(total / pageSize) : slices * Math.ceil(target / pageSize);
  const counts = slices === 1 ? 1 : 1 + 2 * slices;
  return { stream: stream.name, records: total, slices, pages, requests: pages + counts };
}

/** The first request of a full walk in this scope: a one-record count, or the whole list. */
async function firstAnswer(client: ListClient, stream: StreamDefinition, config: Config) {
  const source = listSourceOf(
    { settings: { forceDatabaseSource: config.sei.forceDatabaseSource, scope: config.scope } },
    stream,
    stream.alternativePaths?.[0] ?? stream.path,
  );
  if (stream.mode === 'full_refresh')
    return listPage(client, source, {
      page: 0,
      pageSize: WHOLE_LIST_PAGE_SIZE,
      filter: source.baseFilter ?? {},
    });
  const from = config.scope.startDate ? Math.floor(config.scope.startDate.getTime() / 1000) : EARLIEST_SECOND;
  const now = Math.floor(Date.now() / 1000) + 1;
  return listPage(client, source, {
    page: 0,
    pageSize: 1,
    filter: windowFilter(source.baseFilter, stream.cursor, { from, to: now }),
  });
}

export function planDocument(
  streams: StreamPlanJson[],
  requestsPerMinute: number,
  scope: Config['scope'],
): PlanDocument {
  const requests = streams.reduce((sum, stream) => sum + (stream.requests ?? 0), 0);
  return {
    ...documentHead('plan', true),
    requestsPerMinute,
    scope: scopeJson(scope),
    streams,
    total: { requests, minutes: minutesAt(requests, requestsPerMinute) },
  };
}

function planText(document: PlanDocument, rateLimits: string): string {
  const rows = document.streams.map((plan) => [
    plan.stream,
    plan.mode,
    plan.records ?? `≥ ${plan.recordsAtLeast}`,
    plan.slices,
    plan.pages ?? 'unknown',
    plan.requests ?? 'unknown',
    plan.minutes ?? '',
    plan.note ?? '',
  ]);
  const { requests, minutes } = document.total;
  return `${textTable(['stream', 'mode', 'records', 'slices', 'pages', 'requests', 'minutes', 'note'], rows)}

scope: ${describeScope(document.scope)}
full sync: about ${requests} requests, about ${minutes.toFixed(1)} minutes at ${document.requestsPerMinute} requests/minute (retries not counted); incremental runs read only what changed
${rateLimits}
`;
}

/** The streams a plan estimates: the 1.0 lists, and the DORA snapshots (per collection). */
const PLANNED: readonly string[] = [...STREAM_NAMES, ...DORA_STREAM_NAMES];
const isPlanned = (name: string): name is StreamName | DoraStreamName => PLANNED.includes(name);

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description(
      'dry run: one request per stream estimates records, slices, pages, requests and minutes (writes nothing)',
    )
    .option('--streams <names>', 'comma-separated streams (default: SEI_STREAMS, else all)')
    .option('--since <date>', 'estimate a backfill from this date (ISO date or instant; SEI_START_DATE)')
    .option('--integrations <ids>', 'only these integration ids, comma-separated (SEI_INTEGRATION_IDS)')
    .option(JSON_FLAG, JSON_OPTION_HELP)
    .action(
      runAction(async (options: { streams?: string; json?: boolean } & ScopeOptions) => {
        const context = commandContext();
        const { logger } = context;
        const config = withScopeOptions(context.config, options);
        if (config.sei.apiKey === undefined)
          throw new Error('SEI_API_KEY is not set; give an SEI Admin API key (or SEI_API_KEY_FILE)');
        const asked = options.streams ? parseAnyStreamList(options.streams) : config.streams;
        const names = asked.filter(isPlanned);
        // 2.0 streams have no list to estimate: their cost is one job per scope and type.
        const unplanned = asked.filter((name) => !isPlanned(name));
        if (unplanned.length > 0)
          process.stderr.write(
            `not estimated (SEI 2.0: one export job per scope, then status polls and a download): ${unplanned.join(', ')}\n`,
          );
        const { requestsPerMinute } = config.sei;
        const budget = new TokenBucketBudget({ requestsPerMinute });
        const client = createSeiClient(config.sei, budget, logger);
        const plans: StreamPlanJson[] = [];
        let collections: Awaited<ReturnType<typeof countCollections>> | undefined;
        try {
          for (const name of names) {
            const stream = ALL_STREAMS[name];
            if (stream.mode === 'dora_snapshot') {
              // The collections list is read once, for every DORA stream of the plan.
              const first = collections === undefined;
              collections ??= await countCollections(client);
              const dora = doraPlan(stream.name, collections, config.dora);
              const requests = dora.requests + (first ? collections.requests : 0);
              plans.push({
                stream: name,
                mode: stream.mode,
                records: dora.records,
                recordsAtLeast: dora.records ?? 0,
                slices: 1,
                pages: requests,
                requests,
                minutes: minutesAt(requests, requestsPerMinute),
                note: dora.note,
              });
              continue;
            }
            if (!isListStream(stream)) continue;
            const pageSize = Math.min(config.sei.pageSize, stream.maxPageSize ?? Number.POSITIVE_INFINITY);
            const answer = await firstAnswer(client, stream, config).catch((error: unknown) => {
              const known = knownFailure(stream, error);
              if (!known) throw error;
              return known;
            });
            if ('fallback' in answer) {
              // One request that fails as the server's code does; the sync derives the rows instead.
              plans.push({
                stream: name,
                mode: stream.mode,
                records: null,
                recordsAtLeast: 0,
                slices: 1,
                pages: 0,
                requests: 1,
                minutes: minutesAt(1, requestsPerMinute),
                note: `answers ${answer.status}; rows derived from ${answer.fallback.from}`,
              });
              continue;
            }
            const estimate = estimateWalk(stream, pageSize, answer.records.length, answer.totalCount);
            plans.push({
              stream: name,
              mode: stream.mode,
              records: estimate.records ?? null,
              recordsAtLeast: answer.records.length,
              slices: estimate.slices,
              pages: estimate.pages ?? null,
              // Counts, pages and the partial last page of each slice; retries are not counted.
              requests: estimate.requests ?? null,
              minutes:
                estimate.requests === undefined ? null : minutesAt(estimate.requests, requestsPerMinute),
              note: estimate.records === 0 ? 'empty: not used by this tenant?' : null,
            });
          }
        } finally {
          await client.close();
          await budget.close?.();
        }
        const document = planDocument(plans, requestsPerMinute, config.scope);
        if (options.json) writeJsonDocument(document);
        else
          process.stdout.write(
            planText(document, rateLimitCostLine(document.total.requests, requestsPerMinute, client.stats)),
          );
        return exitCodeOf(document);
      }),
    );
}
