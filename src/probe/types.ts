/** What `sei-sync probe` reports: one row per assumption of the walks, checked against the tenant. */
import type { StreamName } from '../streams/types.js';

/** `holds`: the server does what the walks assume; `does_not_hold`: it differs; `unknown`: could not tell. */
export type ProbeResult = 'holds' | 'does_not_hold' | 'unknown';

export const PROBE_CHECKS = [
  'auth_scheme',
  'endpoint',
  'bound_type',
  'range_filter',
  'sort',
  'ties',
  'total_count',
  'snapshot',
  'cursor_unit',
  'page_size',
] as const;
export type ProbeCheck = (typeof PROBE_CHECKS)[number];

export interface ProbeRow {
  check: ProbeCheck;
  /** Null for checks of the whole tenant (the auth scheme). */
  stream: StreamName | null;
  /** What the walks assume, in one line. */
  assumption: string;
  result: ProbeResult;
  /** The request(s) and what came back, short; never the key. */
  evidence: string;
  /** What sei-sync does about it (or what the user should do). */
  action: string;
  /** False when the user has something to do (or to report): sei-sync does not cope with it alone. */
  handled: boolean;
}

export interface ProbeReport {
  rows: ProbeRow[];
  /** HTTP requests sent (retries included). */
  requests: number;
  retries: number;
  /** The most requests these checks may send without retries (stated before the run). */
  maxRequests: number;
  /** The request budget of the key (SEI_REQUESTS_PER_MINUTE) the requests were paced under. */
  requestsPerMinute: number;
}
