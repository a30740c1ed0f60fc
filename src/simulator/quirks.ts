/**
 * The server's quirks as knobs, each one a thing `sei-sync probe` checks: the default (`STRICT_QUIRKS`)
 * is the SEI server as its code behaves; `POLITE_QUIRKS` is a server with none of them, against which
 * every assumption of the walks holds. A few knobs model what other SEI versions or tenants may do
 * (off by default, per stream where it matters): a list not served, a range filter ignored, records
 * carrying two `ingested_at` values for good, a `total_count` of the page only.
 */
import type { SortSpec } from '../extract/sei/types.js';
import type { StreamName } from '../streams/types.js';
import type { SimEndpoint } from './endpoints.js';

export interface QuirkOptions {
  /** Range bounds parsed as the endpoint's code does (CI/CD: strings only, integrations: ints only); off: either. */
  typedBounds: boolean;
  /** Rows tied on every sort value come back in a new order on each query where the server has no tiebreaker. */
  tiesReordered: boolean;
  /** The requested sort is ignored where the server's code ignores it (integrations, org lists, fallbacks). */
  sortIgnored: boolean;
  /** Jira refuses more than 10000 records per page. */
  pageSizeCap: boolean;
  /** Work items carry `workitem_updated_at` in epoch ms with a fraction of a second; off: whole seconds. */
  subSecondCursors: boolean;
  /** Endpoints broken in the server's code answer 500 (cicd_jobs). */
  brokenEndpoints: boolean;
  /** Lists this SEI does not serve: 404, as an older server or a module the tenant lacks. */
  missingEndpoints: readonly StreamName[];
  /** Lists that ignore the range filter on their time fields: records outside the window come back. */
  ignoresRangeFilter: readonly StreamName[];
  /**
   * Lists whose records legitimately carry two `ingested_at` values for good (an Elasticsearch-backed
   * list, another server version): every walk sees "two snapshots".
   */
  mixedSnapshots: readonly StreamName[];
  /** `_metadata.total_count` counts the records of the page, not of the filter (as org units do). */
  totalCountOfPage: boolean;
  /** Words accepted before the key in `Authorization` (case-insensitive). */
  authSchemes: readonly string[];
}

/** The SEI server as its code behaves (the simulator's default). */
export const STRICT_QUIRKS: Readonly<QuirkOptions> = {
  typedBounds: true,
  tiesReordered: true,
  sortIgnored: true,
  pageSizeCap: true,
  subSecondCursors: true,
  brokenEndpoints: true,
  missingEndpoints: [],
  ignoresRangeFilter: [],
  mixedSnapshots: [],
  totalCountOfPage: false,
  authSchemes: ['apikey', 'bearer'],
};

/** A server with none of the quirks: every assumption `sei-sync probe` checks holds. */
export const POLITE_QUIRKS: Readonly<QuirkOptions> = {
  typedBounds: false,
  tiesReordered: false,
  sortIgnored: false,
  pageSizeCap: false,
  subSecondCursors: false,
  brokenEndpoints: false,
  missingEndpoints: [],
  ignoresRangeFilter: [],
  mixedSnapshots: [],
  totalCountOfPage: false,
  authSchemes: ['apikey', 'bearer'],
};

/** Named presets for `startSimulator({ quirks })` and `sei-sync simulator --quirks`. */
export const QUIRK_PRESETS = { strict: STRICT_QUIRKS, polite: POLITE_QUIRKS } as const;
export type QuirkPreset = keyof typeof QUIRK_PRESETS;

export function resolveQuirks(quirks: QuirkPreset | Partial<QuirkOptions> | undefined): QuirkOptions {
  if (quirks === undefined) return { ...STRICT_QUIRKS };
  if (typeof quirks === 'string') return { ...QUIRK_PRESETS[quirks] };
  return { ...STRICT_QUIRKS, ...quirks };
}

/** The endpoint as a server with these quirks serves it. */
export function endpointWithQuirks(endpoint: SimEndpoint, quirks: QuirkOptions): SimEndpoint {
  let served: SimEndpoint = endpoint;
  if (!quirks.typedBounds) served = { ...served, range: { ...served.range, parser: 'long' } };
  if (!quirks.pageSizeCap && served.maxPageSize !== undefined) {
    const { maxPageSize: _cap, ...rest } = served;
    served = rest;
  }
  if (!quirks.brokenEndpoints && served.broken) {
    const { broken: _broken, ...rest } = served;
    served = rest;
  }
  if (!quirks.tiesReordered && served.order.kind !== 'none' && served.order.ties === 'shuffle')
    served = { ...served, order: { ...served.order, ties: 'stable' } };
  if (quirks.totalCountOfPage) served = { ...served, totalCount: 'page' };
  return served;
}

/**
 * The order a server that honours every sort applies: the first requested key, ties by record
 * order; undefined when the request asks for none (the endpoint's own order then).
 */
export function honouredSort(
  requested: readonly SortSpec[] | undefined,
): { sort: readonly SortSpec[]; ties: 'stable' } | undefined {
  const first = requested?.[0];
  return first === undefined ? undefined : { sort: [first], ties: 'stable' };
}
