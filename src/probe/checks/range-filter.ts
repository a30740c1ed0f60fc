/** The range filter is applied: a small window gives back only records inside its bounds. */

import { evidenceOf, type StreamProbe } from '../session.js';
import type { ProbeRow } from '../types.js';
import { NOT_ASKED, row, sendCapture } from './row.js';

const ASSUMPTION = 'records outside the window asked for do not come back';

export async function checkRangeFilter(probe: StreamProbe): Promise<ProbeRow> {
  const asked = await probe.windowAnswer();
  if (asked === undefined)
    return row(
      'range_filter',
      probe.stream,
      ASSUMPTION,
      'unknown',
      `${NOT_ASKED} or held no \`${probe.cursor.recordField}\``,
      '',
    );
  const { exchange, window, pageSize } = asked;
  const evidence = evidenceOf(exchange);
  const records = exchange.answer?.records;
  if (records === undefined)
    return row(
      'range_filter',
      probe.stream,
      ASSUMPTION,
      'unknown',
      evidence,
      'SEI did not answer: run the probe again later',
    );
  const outside = records.filter((record) => {
    const ms = probe.instantMs(record);
    return ms !== undefined && !probe.inside(window.range, ms);
  });
  if (outside.length > 0) {
    const example = (outside[0] as Record<string, unknown>)[probe.cursor.recordField];
    return row(
      'range_filter',
      probe.stream,
      ASSUMPTION,
      'does_not_hold',
      `${evidence}; ${outside.length} outside, e.g. ${probe.cursor.recordField} ${String(example)}`,
      `the walk cannot narrow a window the server does not apply: it degrades (reads its window whole until two reads agree) and ends succeeded, flagged degraded; ${sendCapture(probe.stream)}`,
      true,
    );
  }
  const expected = window.expected === undefined ? undefined : Math.min(window.expected, pageSize);
  if (expected !== undefined && records.length < expected)
    return row(
      'range_filter',
      probe.stream,
      ASSUMPTION,
      'does_not_hold',
      `${evidence}; expected ${expected} (the first page holds them)`,
      `records inside the window are missing: ${sendCapture(probe.stream)}`,
    );
  return row(
    'range_filter',
    probe.stream,
    ASSUMPTION,
    'holds',
    `${evidence}, all inside`,
    'narrows windows on the cursor',
  );
}
