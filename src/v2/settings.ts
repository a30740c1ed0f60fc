/**
 * What an SEI 2.0 sync is told: where, as whom, and what to load. Defaults defined once here (this
 * module imports nothing of the product, so config.ts documents them and src/v2 uses them).
 */
import type { Secret } from '../secret.js';

/** The five export types, as in `POST /v2/insights/<type>/exports`. */
export const V2_EXPORT_TYPES = ['efficiency', 'productivity', 'sprint', 'ba', 'ticket-data'] as const;
export type V2ExportType = (typeof V2_EXPORT_TYPES)[number];

/** `authorization` = `authorization: ApiKey <key>` (DH export pages); `x-api-key` = `x-api-key: <key>` (MCP). */
export const V2_KEY_HEADERS = ['authorization', 'x-api-key'] as const;
export type V2KeyHeader = (typeof V2_KEY_HEADERS)[number];
/** `header` = `Harness-Account: <account>` (MCP, TypeScript); `query` = `?account=<account>` (MCP, Go). */
export const V2_ACCOUNT_PLACES = ['header', 'query'] as const;
export type V2AccountPlace = (typeof V2_ACCOUNT_PLACES)[number];
export const V2_GRANULARITIES = ['WEEKLY', 'MONTHLY', 'QUARTERLY'] as const;
export type V2Granularity = (typeof V2_GRANULARITIES)[number];

export const V2_DEFAULTS = {
  keyHeader: 'authorization' satisfies V2KeyHeader,
  accountPlace: 'header' satisfies V2AccountPlace,
  exportTypes: V2_EXPORT_TYPES,
  granularity: 'WEEKLY' satisfies V2Granularity,
  /** The trailing window: this many weeks up to today. */
  weeks: 13,
  /** First wait between two status polls of an export job; doubles up to `maxPollIntervalMs`. */
  pollIntervalMs: 2000,
  maxPollIntervalMs: 30_000,
  /** How long one export job may take (queued + processing) before the stream fails. */
  exportTimeoutMs: 30 * 60_000,
  /** Page size of the org tree and developer lists. */
  pageSize: 50,
  /** Statuses of the time-in-status export (DH's example). */
  issueStatuses: ['In Progress', 'In Review', 'QA', 'Done'],
  /** CSV rows per insert while a download streams in. */
  batchRows: 500,
} as const;

export interface V2Settings {
  /** The API base, e.g. `https://app.harness.io/gateway/sei/api`; paths `/v2/...` go under it. */
  baseUrl: string;
  apiKey: Secret | undefined;
  /** The Harness account identifier. */
  account: string;
  orgIdentifier: string;
  projectIdentifier: string;
  keyHeader: V2KeyHeader;
  accountPlace: V2AccountPlace;
  exportTypes: readonly V2ExportType[];
  /** Org tree names to export; undefined = every org tree. Ignored when `teamIds` is set. */
  orgTrees: readonly string[] | undefined;
  /** Team ref ids to export (each with the teams under it) instead of whole org trees. */
  teamIds: readonly string[] | undefined;
  granularity: V2Granularity;
  weeks: number;
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  exportTimeoutMs: number;
  pageSize: number;
  issueStatuses: readonly string[];
  batchRows: number;
}
