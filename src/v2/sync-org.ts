/** The `v2_org` stream: reads the org structure and writes its five dimensions in one transaction. */
import type { Kysely } from 'kysely';
import { addToStreamRun } from '../state/ledger.js';
import type { Database } from '../state/schema.js';
import type { V2Client } from './client.js';
import { DIMENSIONS, replaceDimension } from './dimensions.js';
import { readOrgSnapshot } from './org.js';
import type { RequestMeter } from './request-meter.js';
import type { V2StreamResult } from './walker-types.js';

export async function syncOrg(
  db: Kysely<Database>,
  client: V2Client,
  run: { runId: string; stream: string; at: Date; signal: AbortSignal; meter: RequestMeter },
): Promise<V2StreamResult> {
  let snapshot: Awaited<ReturnType<typeof readOrgSnapshot>>;
  try {
    snapshot = await readOrgSnapshot(client, run.signal);
  } finally {
    await addToStreamRun(db, run.runId, run.stream, { requests: run.meter.requests });
  }
  const parts = [
    [DIMENSIONS.trees, snapshot.trees],
    [DIMENSIONS.teams, snapshot.teams],
    [DIMENSIONS.members, snapshot.members],
    [DIMENSIONS.integrations, snapshot.integrations],
    [DIMENSIONS.developers, snapshot.developers],
  ] as const;
  const left: string[] = [];
  await db.transaction().execute(async (trx) => {
    let records = 0;
    let inserted = 0;
    let unchanged = 0;
    for (const [spec, rows] of parts) {
      if (rows === undefined) {
        left.push(spec.table);
        continue;
      }
      const typed = rows as unknown as Record<string, unknown>[];
      const change = await replaceDimension(trx, spec, typed, run.at, run.runId);
      records += rows.length;
      inserted += change.opened;
      unchanged += change.unchanged;
    }
    await addToStreamRun(trx, run.runId, run.stream, {
      pages: 1,
      records,
      inserted,
      unchanged,
      rejected: snapshot.skipped,
    });
  });
  return {
    deleted: 0,
    deletionsDecided: true,
    reads: 1,
    ...(left.length > 0 && {
      note: `SEI 2.0 does not serve ${left.join(', ')} here (404): left as they were`,
    }),
  };
}
