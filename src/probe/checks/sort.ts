/** The sort asked (ascending on the cursor) is the order the first page comes back in. */

import { evidenceOf, orderOf, type StreamProbe } from '../session.js';
import type { ProbeRow } from '../types.js';
import { NOT_ASKED, row, sendCapture } from './row.js';

export async function checkSort(probe: StreamProbe): Promise<ProbeRow> {
  const field = probe.cursor.filter.field;
  const assumption = `an ascending sort on \`${field}\` is honoured`;
  const first = await probe.discovery();
  const records = first.answer?.records;
  if (records === undefined) return row('sort', probe.stream, assumption, 'unknown', NOT_ASKED, '');
  const instants = records.map((r) => probe.instantMs(r)).filter((ms): ms is number => ms !== undefined);
  const order = orderOf(instants);
  const declared = probe.cursor.serverOrder;
  const evidence = `sort [{"id":"${field}","desc":false}] ${evidenceOf(first)}, ${order === 'none' ? 'unordered' : order === 'flat' ? 'fewer than two instants' : `${order}ending`}`;
  if (order === 'flat') return row('sort', probe.stream, assumption, 'unknown', evidence, '');
  if (order === 'asc')
    return row(
      'sort',
      probe.stream,
      assumption,
      'holds',
      evidence,
      declared === 'asc'
        ? 'narrows windows from their start'
        : 'walks descending (declared), which this order serves too',
    );
  if (order === declared)
    return row(
      'sort',
      probe.stream,
      assumption,
      'does_not_hold',
      evidence,
      'known for this endpoint: the walk narrows windows from their end',
      true,
    );
  return row(
    'sort',
    probe.stream,
    assumption,
    'does_not_hold',
    evidence,
    `the walk relies on a ${declared}ending order here: it cannot prove a window complete; ${sendCapture(probe.stream)}`,
  );
}
