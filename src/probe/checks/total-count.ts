/**
 * `_metadata.total_count` counts the records of the filter, not of the page: the small window is asked
 * with one record fewer per page than the first page shows in it.
 */

import { evidenceOf, type StreamProbe } from '../session.js';
import type { ProbeRow } from '../types.js';
import { NOT_ASKED, row } from './row.js';

const ASSUMPTION = '`total_count` is the number of records of a small window';

export async function checkTotalCount(probe: StreamProbe): Promise<ProbeRow> {
  const asked = await probe.windowAnswer();
  if (asked === undefined) return row('total_count', probe.stream, ASSUMPTION, 'unknown', NOT_ASKED, '');
  const { exchange, window } = asked;
  const evidence = evidenceOf(exchange);
  const answer = exchange.answer;
  if (answer === undefined)
    return row(
      'total_count',
      probe.stream,
      ASSUMPTION,
      'unknown',
      evidence,
      'SEI did not answer: run the probe again later',
    );
  if (window.expected === undefined || window.expected < 2)
    return row(
      'total_count',
      probe.stream,
      ASSUMPTION,
      'unknown',
      `${evidence}; no window of two records or more known in full`,
      'counts are checked by `verify`',
    );
  if (answer.totalCount === undefined)
    return row(
      'total_count',
      probe.stream,
      ASSUMPTION,
      'does_not_hold',
      `${evidence}; no total_count`,
      'plans without a count: slices are found by walking; `verify` counts by reading',
    );
  if (answer.totalCount === window.expected)
    return row(
      'total_count',
      probe.stream,
      ASSUMPTION,
      'holds',
      `${evidence}; the window holds ${window.expected}`,
      'plans slices and verifies by counts',
    );
  return row(
    'total_count',
    probe.stream,
    ASSUMPTION,
    'does_not_hold',
    `${evidence}; the window holds ${window.expected}`,
    'counts cannot be trusted here: `verify` would report differences that are not there; send a capture',
  );
}
