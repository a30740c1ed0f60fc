/** Jira and work items: the records of one integration come from one daily snapshot (`ingested_at`). */

import { evidenceOf, type StreamProbe } from '../session.js';
import type { ProbeRow } from '../types.js';
import { NOT_ASKED, row, sendCapture } from './row.js';

export async function checkSnapshot(probe: StreamProbe): Promise<ProbeRow | undefined> {
  const field = probe.stream.snapshotField;
  if (field === undefined) return undefined;
  const assumption = `records of one integration share one \`${field}\``;
  const first = await probe.discovery();
  const records = first.answer?.records;
  if (records === undefined) return row('snapshot', probe.stream, assumption, 'unknown', NOT_ASKED, '');
  const days = new Map<string, Set<string>>();
  for (const record of records) {
    const integration = String(record.integration_id ?? '?');
    const value = record[field];
    if (value === undefined) continue;
    if (!days.has(integration)) days.set(integration, new Set());
    days.get(integration)?.add(String(value));
  }
  if (days.size === 0)
    return row('snapshot', probe.stream, assumption, 'unknown', `${evidenceOf(first)}, no \`${field}\``, '');
  const split = [...days].filter(([, values]) => values.size > 1);
  const described = [...days].map(
    ([integration, values]) =>
      `integration ${integration}: ${[...values].slice(0, 3).join(', ')}${values.size > 3 ? ', …' : ''}`,
  );
  const evidence = `${evidenceOf(first)}; ${described.join('; ')}`;
  if (split.length === 0)
    return row(
      'snapshot',
      probe.stream,
      assumption,
      'holds',
      evidence,
      're-reads a walk that sees two snapshots of one integration (a new day mid-walk)',
    );
  return row(
    'snapshot',
    probe.stream,
    assumption,
    'does_not_hold',
    evidence,
    `a walk never sees one snapshot here: it degrades (reads its window whole until two reads agree) and ends succeeded, flagged degraded; ${sendCapture(probe.stream)}`,
    true,
  );
}
