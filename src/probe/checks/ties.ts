/**
 * Records tied at one instant come back in one order: the largest group of the first page sharing one
 * cursor value is asked twice (its second as a window) and the two orders compared.
 */

import { evidenceOf, type StreamProbe } from '../session.js';
import type { ProbeRow } from '../types.js';
import { NOT_ASKED, row } from './row.js';

const ASSUMPTION = 'records tied at one instant come back in the same order twice';

export async function checkTies(probe: StreamProbe): Promise<ProbeRow> {
  const first = await probe.discovery();
  const records = first.answer?.records;
  if (records === undefined) return row('ties', probe.stream, ASSUMPTION, 'unknown', NOT_ASKED, '');
  const groups = new Map<number, number>();
  for (const record of records) {
    const ms = probe.instantMs(record);
    if (ms !== undefined) groups.set(ms, (groups.get(ms) ?? 0) + 1);
  }
  let tie: [number, number] | undefined;
  for (const group of groups) if (group[1] >= 2 && (tie === undefined || group[1] > tie[1])) tie = group;
  if (tie === undefined)
    return row(
      'ties',
      probe.stream,
      ASSUMPTION,
      'unknown',
      `no two of the ${records.length} records of the first page share an instant`,
      'reads one instant whole and again until two reads agree',
    );
  const [instant, size] = tie;
  const second = Math.floor(instant / 1000);
  const ask = () => probe.ask({ range: { from: second, to: second + 1 }, pageSize: probe.options.pageSize });
  const once = await ask();
  const twice = await ask();
  const keysAt = (answer = once.answer) =>
    (answer?.records ?? [])
      .filter((r) => probe.instantMs(r) === instant)
      .map((r) => probe.options.source.recordKey(r));
  if (!once.answer || !twice.answer)
    return row(
      'ties',
      probe.stream,
      ASSUMPTION,
      'unknown',
      `${evidenceOf(once)}; ${evidenceOf(twice)}`,
      'SEI did not answer: run the probe again later',
    );
  const a = keysAt(once.answer);
  const b = keysAt(twice.answer);
  const same = a.length === b.length && a.every((key, k) => key === b[k]);
  const field = probe.cursor.recordField;
  const value = records.find((r) => probe.instantMs(r) === instant)?.[field];
  const evidence = `${size} records at ${field} ${String(value)}, asked twice (${once.request}): ${same ? 'one order' : 'two orders'}`;
  return same
    ? row(
        'ties',
        probe.stream,
        ASSUMPTION,
        'holds',
        evidence,
        'reads one instant whole; offset paging inside it would be safe',
      )
    : row(
        'ties',
        probe.stream,
        ASSUMPTION,
        'does_not_hold',
        evidence,
        'never pages by offset across an instant: one instant is read whole, again until two reads agree',
        true,
      );
}
