/**
 * Loads one export file: the download streamed (gunzip → CSV parser → batches into a staging table,
 * never the whole file in memory), then moved into the export tables in ONE transaction that replaces
 * exactly the rows of the periods the file holds for this scope and records what changed. A download
 * that fails part way leaves only staging rows, which are dropped: nothing is half-loaded.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../state/schema.js';
import type { V2Download } from './client.js';
import { storable } from './dimensions.js';

/**
 * CSV columns read as the row's dimensions (compared without case, `_` or spaces); every other column
 * is a metric. `Team_Hierarchy` joins the row to `sei_v2.teams.hierarchy_path`, the developer's email
 * to `sei_v2.developers.email`.
 */
const DIMENSION_COLUMNS: Record<string, string> = {
  granularity: 'granularity',
  team: 'team_name',
  teamname: 'team_name',
  teamhierarchy: 'team_hierarchy',
  developername: 'developer_name',
  developer: 'developer_name',
  developeremail: 'developer_email',
  email: 'developer_email',
  sprint: 'sprint',
  sprintname: 'sprint',
  startdate: 'period_start',
  enddate: 'period_end',
};

const squash = (header: string) => header.toLowerCase().replace(/[\s_-]+/g, '');

export interface StagedRow {
  row_key: string;
  dims: Record<string, string>;
  metrics: Record<string, string>;
  raw: Record<string, string>;
}

/** One CSV record (header → text) as dimensions and metrics. Pure. */
export function splitRecord(record: Record<string, string>): StagedRow {
  const dims: Record<string, string> = {};
  const metrics: Record<string, string> = {};
  for (const [header, value] of Object.entries(record)) {
    const dimension = DIMENSION_COLUMNS[squash(header)];
    if (dimension) {
      if (value !== '') dims[dimension] = value;
    } else if (header !== '') metrics[header] = value;
  }
  if (dims.developer_email) dims.developer_email = dims.developer_email.toLowerCase();
  const row_key = [
    dims.granularity ?? '',
    dims.team_hierarchy ?? dims.team_name ?? '',
    dims.developer_email ?? dims.developer_name ?? '',
    dims.sprint ?? '',
    dims.period_start ?? '',
  ].join('|');
  return { row_key, dims, metrics, raw: record };
}

/** Whether the file is gzip: the status's `compression`, else the content type (gzip unless text). */
export function isGzip(
  download: Pick<V2Download, 'contentType' | 'filename'>,
  compression?: string,
): boolean {
  if (compression) return /gzip/i.test(compression);
  if (download.filename?.endsWith('.gz')) return true;
  return !/text\/|csv/i.test(download.contentType) || /gzip/i.test(download.contentType);
}

/** Streams the file into staging under a new load id; returns it and the rows read. */
export async function stageDownload(
  db: Kysely<Database>,
  body: Readable,
  options: { gzip: boolean; batchRows: number; signal?: AbortSignal },
): Promise<{ loadId: string; rows: number; batches: number }> {
  const loadId = randomUUID();
  let rows = 0;
  let batches = 0;
  let batch: StagedRow[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const first = rows - batch.length;
    const payload = JSON.stringify(storable(batch.map((row, n) => ({ ...row, ordinal: first + n }))));
    batch = [];
    batches++;
    await db.executeQuery(
      CompiledQuery.raw(
        `INSERT INTO sei_v2.export_staging (load_id, ordinal, row_key, dims, metrics, raw)
         SELECT $1::uuid, x.ordinal, x.row_key, x.dims, x.metrics, x.raw
         FROM jsonb_to_recordset($2::jsonb) AS x(ordinal integer, row_key text, dims jsonb, metrics jsonb, raw jsonb)`,
        [loadId, payload],
      ),
    );
  };
  const parser = parse({
    columns: true,
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
  });
  try {
    const load = async (records: AsyncIterable<Record<string, string>>) => {
      for await (const record of records) {
        batch.push(splitRecord(record));
        rows++;
        if (batch.length >= options.batchRows) await flush();
      }
      await flush();
    };
    const signal = options.signal ? { signal: options.signal } : {};
    if (options.gzip) await pipeline(body, createGunzip(), parser, load, signal);
    else await pipeline(body, parser, load, signal);
  } catch (error) {
    await dropStaging(db, loadId).catch(() => {});
    throw error;
  }
  return { loadId, rows, batches };
}

export async function dropStaging(db: Kysely<Database>, loadId: string): Promise<void> {
  await db.executeQuery(
    CompiledQuery.raw('DELETE FROM sei_v2.export_staging WHERE load_id = $1::uuid', [loadId]),
  );
}

/** Staging left by a process that died mid-download (older than a day). */
export async function dropStaleStaging(db: Kysely<Database>): Promise<void> {
  await db.executeQuery(
    CompiledQuery.raw(`DELETE FROM sei_v2.export_staging WHERE created_at < now() - interval '1 day'`, []),
  );
}

export interface MergeResult {
  inserted: number;
  /** Rows of the file's periods that differed and were replaced. */
  updated: number;
  unchanged: number;
  /** Rows of the file's periods that the file no longer holds. */
  deleted: number;
  /** Metric values recorded in the history as added, changed or removed. */
  changes: number;
}

const DATE = (expression: string) =>
  `CASE WHEN ${expression} ~ '^\\d{4}-\\d{2}-\\d{2}' THEN left(${expression}, 10)::date END`;

/**
 * Replaces, in one transaction, the rows of (`exportType`, `scope`) whose (granularity, period start)
 * the staged file holds: history first (per metric: added, changed, removed), then rows that differ
 * or are gone are deleted (their metrics with them) and the file's new or changed rows inserted.
 */
export async function mergeStaged(
  db: Kysely<Database>,
  load: { loadId: string; exportType: string; scope: string; exportId: string; runId: string; at: Date },
): Promise<MergeResult> {
  const params = [load.loadId, load.exportType, load.scope, load.runId, load.at.toISOString(), load.exportId];
  const staged = `(SELECT DISTINCT ON (row_key) row_key, dims, metrics, raw, md5(raw::text) AS row_hash
      FROM sei_v2.export_staging WHERE load_id = $1::uuid ORDER BY row_key, ordinal DESC)`;
  const periods = `(SELECT DISTINCT coalesce(s.dims->>'granularity', '') AS granularity,
      ${DATE("(s.dims->>'period_start')")} AS period_start FROM ${staged} AS s)`;
  const current = `(SELECT r.* FROM sei_v2.export_rows r
      JOIN ${periods} AS p ON coalesce(r.granularity, '') = p.granularity
        AND r.period_start IS NOT DISTINCT FROM p.period_start
      WHERE r.export_type = $2 AND r.scope = $3)`;
  return db.transaction().execute(async (trx) => {
    // PostgreSQL wants exactly the parameters a statement names ($1..$n).
    const exec = (text: string) => {
      const used = Math.max(...[...text.matchAll(/\$(\d+)/g)].map((match) => Number(match[1])));
      return trx.executeQuery<Record<string, number>>(CompiledQuery.raw(text, params.slice(0, used)));
    };
    const history = await exec(`
      WITH old AS (
        SELECT c.row_key, c.granularity, c.period_start, c.team_hierarchy, c.developer_email, m.metric, m.value_text
        FROM ${current} AS c JOIN sei_v2.export_metrics m
          ON m.export_type = $2 AND m.scope = $3 AND m.row_key = c.row_key),
      new AS (
        SELECT s.row_key, s.dims->>'granularity' AS granularity, ${DATE("(s.dims->>'period_start')")} AS period_start,
               s.dims->>'team_hierarchy' AS team_hierarchy, s.dims->>'developer_email' AS developer_email,
               kv.key AS metric, kv.value AS value_text
        FROM ${staged} AS s, jsonb_each_text(s.metrics) AS kv),
      changed AS (
        INSERT INTO sei_v2.export_changes (export_type, scope, row_key, granularity, period_start,
          team_hierarchy, developer_email, metric, change, old_value, new_value, export_id, run_id, changed_at)
        SELECT $2, $3, coalesce(n.row_key, o.row_key), coalesce(n.granularity, o.granularity),
          coalesce(n.period_start, o.period_start), coalesce(n.team_hierarchy, o.team_hierarchy),
          coalesce(n.developer_email, o.developer_email), coalesce(n.metric, o.metric),
          CASE WHEN o.metric IS NULL THEN 'added' WHEN n.metric IS NULL THEN 'removed' ELSE 'changed' END,
          o.value_text, n.value_text, $6, $4::uuid, $5::timestamptz
        FROM old o FULL JOIN new n ON o.row_key = n.row_key AND o.metric = n.metric
        WHERE o.value_text IS DISTINCT FROM n.value_text OR o.metric IS NULL OR n.metric IS NULL
        RETURNING 1)
      SELECT count(*)::int AS n FROM changed`);
    const deleted = await exec(`
      WITH gone AS (
        DELETE FROM sei_v2.export_rows r USING ${current} AS c
        WHERE r.export_type = $2 AND r.scope = $3 AND r.row_key = c.row_key
          AND NOT EXISTS (SELECT 1 FROM ${staged} AS s WHERE s.row_key = c.row_key AND s.row_hash = c.row_hash)
        RETURNING r.row_key)
      SELECT count(s.row_key)::int AS replaced, (count(*) - count(s.row_key))::int AS removed
      FROM gone LEFT JOIN ${staged} AS s ON s.row_key = gone.row_key`);
    const inserted = await exec(`
      WITH added AS (
        INSERT INTO sei_v2.export_rows (export_type, scope, row_key, granularity, team_name, team_hierarchy,
          developer_name, developer_email, sprint, period_start, period_end, raw, row_hash, export_id, run_id, loaded_at)
        SELECT $2, $3, s.row_key, s.dims->>'granularity', s.dims->>'team_name', s.dims->>'team_hierarchy',
          s.dims->>'developer_name', s.dims->>'developer_email', s.dims->>'sprint',
          ${DATE("(s.dims->>'period_start')")}, ${DATE("(s.dims->>'period_end')")},
          s.raw, s.row_hash, $6, $4::uuid, $5::timestamptz
        FROM ${staged} AS s
        WHERE NOT EXISTS (SELECT 1 FROM sei_v2.export_rows r
                          WHERE r.export_type = $2 AND r.scope = $3 AND r.row_key = s.row_key)
        RETURNING row_key)
      , metrics AS (
        INSERT INTO sei_v2.export_metrics (export_type, scope, row_key, metric, value, value_text)
        SELECT $2, $3, s.row_key, kv.key,
          CASE WHEN kv.value ~ '^-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?$' THEN kv.value::double precision END, kv.value
        FROM ${staged} AS s JOIN added a ON a.row_key = s.row_key, jsonb_each_text(s.metrics) AS kv
        RETURNING 1)
      SELECT (SELECT count(*) FROM added)::int AS n, (SELECT count(*) FROM metrics)::int AS m,
             (SELECT count(*) FROM ${staged} AS s)::int AS staged`);
    await trx.executeQuery(
      CompiledQuery.raw('DELETE FROM sei_v2.export_staging WHERE load_id = $1::uuid', [load.loadId]),
    );
    const replaced = deleted.rows[0]?.replaced ?? 0;
    const added = inserted.rows[0]?.n ?? 0;
    const stagedCount = inserted.rows[0]?.staged ?? 0;
    return {
      inserted: added - replaced,
      updated: replaced,
      unchanged: stagedCount - added,
      deleted: deleted.rows[0]?.removed ?? 0,
      changes: history.rows[0]?.n ?? 0,
    };
  });
}
