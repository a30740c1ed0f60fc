/** The daily snapshots (Jira, work items) a page of records came from, per integration. */
import type { StreamDefinition } from '../streams/types.js';
import type { SeiRecord } from './sei/types.js';

/** The snapshot values (`stream.snapshotField`) of a page's records, per integration. */
export function snapshotsOf(
  stream: StreamDefinition,
  records: readonly SeiRecord[],
): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  const field = stream.snapshotField;
  if (field === undefined) return out;
  for (const record of records) {
    if (record === null || typeof record !== 'object') continue;
    const value = record[field];
    const snapshot = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
    if (!Number.isFinite(snapshot)) continue;
    const integration = String(record.integration_id ?? '');
    let seen = out.get(integration);
    if (!seen) {
      seen = new Set();
      out.set(integration, seen);
    }
    seen.add(snapshot);
  }
  return out;
}
