/**
 * Turns one page of raw records into rows for the warehouse. A record that cannot be normalized
 * becomes a reject with its reason: it never fails the page, and it is never dropped silently.
 */
import type { SeiRecord } from '../sei/types.js';
import type { Row, StreamDefinition } from '../streams/types.js';

export interface PageReject {
  recordKey: string | null;
  reason: string;
  raw: unknown;
}

export interface NormalizedPage {
  rows: Row[];
  /** Child table name → rows of every normalized parent on the page. */
  childRows: Record<string, Row[]>;
  rejects: PageReject[];
}

export function normalizePage(stream: StreamDefinition, records: readonly unknown[]): NormalizedPage {
  const rows: Row[] = [];
  const childRows: Record<string, Row[]> = Object.fromEntries(
    stream.children.map((child) => [child.name, []]),
  );
  const rejects: PageReject[] = [];
  for (const record of records) {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      rejects.push({
        recordKey: null,
        reason: `record is ${Array.isArray(record) ? 'an array' : typeof record}, not an object`,
        raw: record,
      });
      continue;
    }
    let result: ReturnType<StreamDefinition['normalize']>;
    try {
      result = stream.normalize(record as SeiRecord);
    } catch (error) {
      // A normalizer bug on one odd record must not stop the sync; keep the record for inspection.
      result = {
        ok: false,
        reason: `normalizer error: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    if (!result.ok) {
      rejects.push({
        recordKey: safeRecordKey(stream, record as SeiRecord),
        reason: result.reason,
        raw: record,
      });
      continue;
    }
    rows.push(result.row);
    for (const [name, children] of Object.entries(result.children)) {
      const bucket = childRows[name];
      if (bucket === undefined)
        throw new Error(`stream ${stream.name} produced rows for unknown child table ${name}`);
      for (const child of children) bucket.push(child);
    }
  }
  return { rows, childRows, rejects };
}

function safeRecordKey(stream: StreamDefinition, record: SeiRecord): string | null {
  try {
    return stream.recordKey(record) ?? null;
  } catch {
    return null;
  }
}
