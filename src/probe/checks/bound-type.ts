/**
 * Which JSON type the server takes for `$gt`/`$lt`: three parsers exist in SEI's code, and the wrong
 * type is a 500 (a ClassCastException), which looks like an outage. Asks the other type once; the
 * declared one was asked by the first request.
 */

import { evidenceOf, refused, type StreamProbe } from '../session.js';
import type { ProbeRow } from '../types.js';
import { NOT_ASKED, row, sendCapture } from './row.js';

const ASSUMPTION = 'range bounds are accepted as numbers and as strings';

export async function checkBoundType(probe: StreamProbe): Promise<ProbeRow> {
  const declared = probe.cursor.filter.boundType;
  const other = declared === 'number' ? 'string' : 'number';
  const first = await probe.discovery();
  if (!first.answer && !refused(first))
    return row('bound_type', probe.stream, ASSUMPTION, 'unknown', NOT_ASKED, '');
  const second = await probe.ask({
    range: probe.options.history,
    pageSize: 1,
    boundType: other,
    finalStatuses: [400, 500],
  });
  const evidence = `${declared}s: ${evidenceOf(first)}; ${other}s: ${evidenceOf(second)}`;
  const declaredOk = first.answer !== undefined;
  const otherOk = second.answer !== undefined;
  if (!otherOk && !refused(second))
    return row(
      'bound_type',
      probe.stream,
      ASSUMPTION,
      'unknown',
      evidence,
      'SEI did not answer: run the probe again later',
    );
  if (declaredOk && otherOk)
    return row('bound_type', probe.stream, ASSUMPTION, 'holds', evidence, `sends ${declared}s`);
  if (declaredOk)
    return row(
      'bound_type',
      probe.stream,
      ASSUMPTION,
      'does_not_hold',
      evidence,
      `only ${declared}s work here: sei-sync sends ${declared}s (declared for this endpoint)`,
      true,
    );
  if (otherOk)
    return row(
      'bound_type',
      probe.stream,
      ASSUMPTION,
      'does_not_hold',
      evidence,
      `only ${other}s work here but sei-sync sends ${declared}s: every walk of this stream fails; ${sendCapture(probe.stream)}`,
    );
  return row(
    'bound_type',
    probe.stream,
    ASSUMPTION,
    'does_not_hold',
    evidence,
    `neither type is accepted; ${sendCapture(probe.stream)}`,
  );
}
