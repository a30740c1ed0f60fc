/**
 * An export stream (`v2_efficiency`, ...): for each scope (every org tree, or the configured ones, or
 * teams), one job over the trailing window: create, await, download streamed into staging, merge in
 * one transaction. Scopes run one after the other; the first failure fails the stream, and what
 * earlier scopes loaded stays (each scope's load is whole or nothing).
 */
import type { Kysely } from 'kysely';
import type { Logger } from '../observability/logger.js';
import { addToStreamRun } from '../state/ledger.js';
import type { Database } from '../state/schema.js';
import type { V2Client } from './client.js';
import {
  awaitExport,
  createExport,
  exportRequest,
  scopeKey,
  trailingWindow,
  type V2Scope,
} from './export-job.js';
import { dropStaleStaging, isGzip, mergeStaged, stageDownload } from './export-load.js';
import { readOrgTrees, treeNameOf } from './org.js';
import type { RequestMeter } from './request-meter.js';
import type { V2ExportType } from './settings.js';
import type { V2StreamResult } from './walker-types.js';

/** The scopes to export: the configured teams, else the configured org trees, else every org tree. */
export async function exportScopes(client: V2Client, signal?: AbortSignal): Promise<V2Scope[]> {
  const { teamIds, orgTrees } = client.settings;
  if (teamIds) return teamIds.map((teamId) => ({ kind: 'team', teamId }));
  if (orgTrees) return orgTrees.map((name) => ({ kind: 'org_tree', name }));
  const names = (await readOrgTrees(client, signal)).map(treeNameOf).filter((name) => name !== undefined);
  return [...new Set(names)].map((name) => ({ kind: 'org_tree', name }));
}

export async function syncExports(
  db: Kysely<Database>,
  client: V2Client,
  run: {
    runId: string;
    stream: string;
    type: V2ExportType;
    at: Date;
    signal: AbortSignal;
    log: Logger;
    meter: RequestMeter;
  },
): Promise<V2StreamResult> {
  const { settings } = client;
  const range = trailingWindow(run.at, settings.weeks);
  const reusedJobs: string[] = [];
  let files = 0;
  let requestsBooked = 0;
  const bookRequests = async () => {
    const requests = run.meter.requests - requestsBooked;
    requestsBooked = run.meter.requests;
    await addToStreamRun(db, run.runId, run.stream, { requests });
  };
  await dropStaleStaging(db);
  try {
    for (const scope of await exportScopes(client, run.signal)) {
      const body = exportRequest(run.type, scope, range, settings);
      const created = await createExport(client, run.type, body, run.signal);
      if (created.reused) reusedJobs.push(created.exportId);
      const finished = await awaitExport(client, run.type, created.exportId, { signal: run.signal });
      const download = await client.download(finished.downloadUrl, run.signal);
      const staged = await stageDownload(db, download.body, {
        gzip: isGzip(download, finished.compression),
        batchRows: settings.batchRows,
        signal: run.signal,
      });
      const merged = await mergeStaged(db, {
        loadId: staged.loadId,
        exportType: run.type,
        scope: scopeKey(scope),
        exportId: created.exportId,
        runId: run.runId,
        at: run.at,
      });
      await addToStreamRun(db, run.runId, run.stream, {
        pages: staged.batches,
        records: staged.rows,
        inserted: merged.inserted,
        updated: merged.updated,
        unchanged: merged.unchanged,
        deleted: merged.deleted,
      });
      await bookRequests();
      files++;
      run.log.info(
        {
          scope: scopeKey(scope),
          exportId: created.exportId,
          reused: created.reused,
          rows: staged.rows,
          ...merged,
        },
        'SEI 2.0 export loaded',
      );
    }
  } finally {
    await bookRequests().catch(() => {});
  }
  return {
    deleted: 0,
    deletionsDecided: true,
    reads: files,
    ...(reusedJobs.length > 0 && {
      note: `SEI reused ${reusedJobs.length} identical export${reusedJobs.length === 1 ? '' : 's'} from the last 30 minutes (${reusedJobs.join(', ')}): their data is as of then`,
    }),
  };
}
