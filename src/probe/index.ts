/**
 * `sei-sync probe`: checks each assumption the walks make against the user's own tenant, with a
 * stated, small number of requests through the sync's own client and request budget, and says what
 * sei-sync does about each. `doctor` runs the cheap part (the auth words, the endpoint and the range
 * bound type of each walked stream).
 *
 * Requests at most (no retries): 3 for the auth words; per stream walked by time 7 (the first page,
 * the other bound type, a small window, a tied instant twice, two page sizes), 2 when cheap; per
 * full-refresh list 1 per route tried (cheap: none).
 */
import type { Config } from '../config.js';
import {
  createSeiClient,
  EARLIEST_SECOND,
  listSourceOf,
  type SeiClient,
  TokenBucketBudget,
} from '../extract/index.js';
import type { StreamDefinition } from '../streams/types.js';
import { AUTH_SCHEME_WORDS, checkAuthSchemes } from './checks/auth-scheme.js';
import { checkBoundType } from './checks/bound-type.js';
import { checkCursorUnit } from './checks/cursor-unit.js';
import { checkEndpoint, checkListEndpoint, listRoutes } from './checks/endpoint.js';
import { checkPageSize } from './checks/page-size.js';
import { checkRangeFilter } from './checks/range-filter.js';
import { checkSnapshot } from './checks/snapshot.js';
import { checkSort } from './checks/sort.js';
import { checkTies } from './checks/ties.js';
import { checkTotalCount } from './checks/total-count.js';
import { StreamProbe } from './session.js';
import type { ProbeReport, ProbeRow } from './types.js';

export type * from './types.js';
export { PROBE_CHECKS } from './types.js';

/** Requests of the full probe of one stream walked by time, and of the cheap part. */
export const PROBE_REQUESTS_PER_WALKED_STREAM = { full: 7, cheap: 2 } as const;

export interface ProbeOptions {
  config: Config;
  streams: readonly StreamDefinition[];
  /** Only the cheap checks (doctor). @defaultValue false */
  cheap?: boolean;
  /** Called with each row as soon as it is known. */
  onRow?: (row: ProbeRow) => void;
  /** The clock of the history's end (tests). @defaultValue Date.now */
  nowMs?: () => number;
}

/** The most requests a probe of `streams` sends without retries. */
export function probeRequestBound(streams: readonly StreamDefinition[], cheap = false): number {
  let bound = AUTH_SCHEME_WORDS.length;
  for (const stream of streams) {
    if (stream.mode === 'incremental') bound += PROBE_REQUESTS_PER_WALKED_STREAM[cheap ? 'cheap' : 'full'];
    else if (!cheap) bound += listRoutes(stream).length;
  }
  return bound;
}

export async function runProbe(options: ProbeOptions): Promise<ProbeReport> {
  const { config } = options;
  let streams = options.streams;
  const cheap = options.cheap ?? false;
  const budget = new TokenBucketBudget({ requestsPerMinute: config.sei.requestsPerMinute });
  const clients: SeiClient[] = [];
  const rows: ProbeRow[] = [];
  const report = (row: ProbeRow | undefined) => {
    if (row === undefined) return;
    rows.push(row);
    options.onRow?.(row);
  };
  // The sync's client: its retries stay (a 429 is paced, not a finding), its answers the evidence.
  const client = createSeiClient(config.sei, budget);
  clients.push(client);
  try {
    const auth = await checkAuthSchemes(config, budget, (c) => clients.push(c));
    for (const row of auth) report(row);
    // The key refused as configured: every other request would be refused too.
    if (auth.some((row) => !row.handled)) streams = [];
    const settings = {
      settings: { forceDatabaseSource: config.sei.forceDatabaseSource, scope: config.scope },
    };
    const now = Math.floor((options.nowMs ?? Date.now)() / 1000) + 1;
    const from = config.scope.startDate
      ? Math.floor(config.scope.startDate.getTime() / 1000)
      : EARLIEST_SECOND;
    for (const stream of streams) {
      if (stream.mode === 'full_refresh') {
        if (!cheap)
          report(await checkListEndpoint(client, stream, (path) => listSourceOf(settings, stream, path)));
        continue;
      }
      const probe = new StreamProbe({
        client,
        stream,
        source: listSourceOf(settings, stream),
        pageSize: Math.min(config.sei.pageSize, stream.maxPageSize ?? Number.POSITIVE_INFINITY),
        history: { from, to: now },
        cheap,
      });
      report(await checkEndpoint(probe));
      report(await checkBoundType(probe));
      if (cheap) continue;
      report(await checkSort(probe));
      report(await checkCursorUnit(probe));
      report(await checkSnapshot(probe));
      report(await checkRangeFilter(probe));
      report(await checkTotalCount(probe));
      report(await checkTies(probe));
      report(await checkPageSize(probe));
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await budget.close?.();
  }
  const requests = clients.reduce((sum, c) => sum + c.stats.requests, 0);
  const retries = clients.reduce((sum, c) => sum + c.stats.retries, 0);
  return {
    rows,
    requests,
    retries,
    maxRequests: probeRequestBound(options.streams, cheap),
    requestsPerMinute: config.sei.requestsPerMinute,
  };
}
