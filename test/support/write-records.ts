/** Test helper: SEI records → stream normalizer → writePage with the history listener, in one transaction. */
import type { SeiRecord } from '../../src/extract/sei/types.js';
import { historyChangeListener } from '../../src/load/history.js';
import { type WritePageResult, writePage } from '../../src/load/upsert.js';
import { writePathOf } from '../../src/load/write-path.js';
import { normalizeRecord } from '../../src/normalize/record.js';
import type { Warehouse } from '../../src/state/open.js';
import type { Row, StreamDefinition } from '../../src/streams/types.js';

export async function writeRecords(
  warehouse: Warehouse,
  stream: StreamDefinition,
  records: readonly SeiRecord[],
  at: Date,
  runId: string,
): Promise<WritePageResult> {
  const rows: Row[] = [];
  const childRows: Record<string, Row[]> = {};
  for (const record of records) {
    const result = normalizeRecord(stream, record);
    if (!result.ok) throw new Error(`${stream.name}: ${result.reason}`);
    rows.push(result.row);
    for (const [name, list] of Object.entries(result.children))
      childRows[name] = [...(childRows[name] ?? []), ...list];
  }
  const path = await writePathOf(warehouse);
  return warehouse.db.transaction().execute((trx) =>
    writePage(trx, {
      table: stream.table,
      children: stream.children,
      rows,
      childRows,
      runId,
      syncedAt: at,
      path,
      onChanged: (t, table, changed) => historyChangeListener.onChanged(t, table, changed, at, runId),
    }),
  );
}
