/**
 * Options and knobs of the simulated SEI 2.0 ("AI DLC Insights") API. What each source documents is
 * in ../README.md ("SEI 2.0"); the shapes the docs leave open are chosen in ./org.ts and ./columns.ts.
 */

/** The five export types, as they appear in `POST /v2/insights/<type>/exports`. */
export const EXPORT_TYPES = ['efficiency', 'productivity', 'sprint', 'ba', 'ticket-data'] as const;
export type ExportType = (typeof EXPORT_TYPES)[number];

/**
 * Where the key goes: `apiKey` = `authorization: ApiKey <key>` (DH export pages), `xApiKey` =
 * `x-api-key: <token>` (MCP, TypeScript).
 */
export type V2AuthScheme = 'apiKey' | 'xApiKey';
/** Where the account goes: `header` = `Harness-Account` (MCP TS), `query` = `account=` (MCP Go, DORA). */
export type V2AccountPlace = 'header' | 'query';

/** What becomes of a job created while the knob is set (decided at creation). */
export type ExportFate = 'complete' | 'fail' | 'stuck' | 'cancel';

export interface V2Faults {
  /** Fate of new jobs per type. @defaultValue every type completes */
  fate: Partial<Record<ExportType, ExportFate>>;
}

export interface V2Options {
  /** Key placements the server accepts. @defaultValue ['apiKey', 'xApiKey'] */
  acceptAuth?: readonly V2AuthScheme[];
  /** Account placements the server accepts. @defaultValue ['header', 'query'] */
  accountIn?: readonly V2AccountPlace[];
  /** @defaultValue 'sim-account' */
  accountId?: string;
  /** The project the keys are scoped to (2.0 keys are project-scoped). @defaultValue 'default' */
  orgIdentifier?: string;
  /** @defaultValue 'sim_project' */
  projectIdentifier?: string;
  /** Status polls a job spends in QUEUED, then again in PROCESSING, before COMPLETED. @defaultValue 1 */
  pollsPerStep?: number;
  /** The server's clock in ms (the 30-minute reuse window reads it). @defaultValue Date.now */
  now?: () => number;
  faults?: Partial<V2Faults>;
}

export const V2_DEFAULTS = {
  acceptAuth: ['apiKey', 'xApiKey'],
  accountIn: ['header', 'query'],
  accountId: 'sim-account',
  orgIdentifier: 'default',
  projectIdentifier: 'sim_project',
  pollsPerStep: 1,
} as const satisfies Omit<Required<V2Options>, 'now' | 'faults'>;

/** An identical export request within this window answers with the earlier job (DH). */
export const EXPORT_REUSE_WINDOW_MS = 30 * 60_000;
