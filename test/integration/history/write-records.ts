/** Test helper: SEI records → stream normalizer → writePage with the history listener, in one transaction. */
import type { SeiRecord } from '../../../src/sei/types.js';
import { normalizeRecord } from '../../../src/streams/normalize-record.js';
import type { Row, StreamDefinition } from '../../../src/streams/types.js';
import type { Warehouse } from '../../../src/warehouse/db.js';
import { historyChangeListener } from '../../../src/warehouse/history.js';
import { type WritePageResult, writePage } from '../../../src/warehouse/upsert.js';
import { writePathOf } from '../../../src/warehouse/write-path.js';

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
