/** The unit (seconds or ms) and precision (whole seconds or a fraction) of the cursor field. */
import { EPOCH_UNIT_THRESHOLD } from '../../normalize/convert.js';
import type { StreamProbe } from '../session.js';
import type { ProbeRow } from '../types.js';
import { NOT_ASKED, row } from './row.js';

export async function checkCursorUnit(probe: StreamProbe): Promise<ProbeRow> {
  const field = probe.cursor.recordField;
  const declared = probe.cursor.recordUnit;
  const assumption = `\`${field}\` is in ${declared === 's' ? 'whole epoch seconds' : 'epoch ms'}`;
  const first = await probe.discovery();
  const records = first.answer?.records;
  if (records === undefined) return row('cursor_unit', probe.stream, assumption, 'unknown', NOT_ASKED, '');
  const values = records
    .map((r) => r[field])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (values.length === 0)
    return row(
      'cursor_unit',
      probe.stream,
      assumption,
      'unknown',
      `none of the ${records.length} records of the first page has a number in \`${field}\``,
      '',
    );
  const ms = values.filter((v) => Math.abs(v) >= EPOCH_UNIT_THRESHOLD);
  const seconds = values.filter((v) => Math.abs(v) < EPOCH_UNIT_THRESHOLD && v !== 0);
  const fractional = [...ms.filter((v) => v % 1000 !== 0), ...seconds.filter((v) => !Number.isInteger(v))];
  const before1970 = values.filter((v) => v < 0).length;
  const unit = ms.length > 0 && seconds.length > 0 ? 'seconds and ms' : ms.length > 0 ? 'ms' : 'seconds';
  const precision =
    fractional.length > 0
      ? `${fractional.length} with a fraction of a second, e.g. ${fractional[0]}`
      : 'whole seconds';
  const evidence = `${values.length} values of the first page: ${unit}, ${precision}${before1970 > 0 ? `, ${before1970} before 1970` : ''}`;
  const holds = declared === 's' ? unit === 'seconds' && fractional.length === 0 : unit === 'ms';
  return row(
    'cursor_unit',
    probe.stream,
    assumption,
    holds ? 'holds' : 'does_not_hold',
    evidence,
    holds
      ? 'reads it as declared'
      : 'reads seconds or ms by magnitude and narrows windows at ms precision: a record at a fraction of a second is kept, not looped on',
    true,
  );
}
