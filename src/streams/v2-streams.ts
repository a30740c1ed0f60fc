/**
 * The SEI 2.0 ("AI DLC Insights") streams, declared: the org structure and one stream per export
 * type. How they run is src/v2/ (mode `v2`); what they load is migration 014 and docs/sei-v2.md.
 */
import type { V2Stream, V2StreamName } from './types.js';

export const V2_STREAMS: Readonly<Record<V2StreamName, V2Stream>> = {
  v2_org: { name: 'v2_org', mode: 'v2', v2: { kind: 'org' } },
  v2_efficiency: { name: 'v2_efficiency', mode: 'v2', v2: { kind: 'export', exportType: 'efficiency' } },
  v2_productivity: {
    name: 'v2_productivity',
    mode: 'v2',
    v2: { kind: 'export', exportType: 'productivity' },
  },
  v2_sprint: { name: 'v2_sprint', mode: 'v2', v2: { kind: 'export', exportType: 'sprint' } },
  v2_business_alignment: {
    name: 'v2_business_alignment',
    mode: 'v2',
    v2: { kind: 'export', exportType: 'ba' },
  },
  v2_time_in_status: {
    name: 'v2_time_in_status',
    mode: 'v2',
    v2: { kind: 'export', exportType: 'ticket-data' },
  },
};
