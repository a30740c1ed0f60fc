/**
 * The two limits a sync competes with, on the same data and machine:
 * - fetch only: the same client and walks over every stream (slices in parallel, like `sync`), writing nothing;
 * - database only: the same normalized rows COPYed into staging tables, then merged into the same tables
 *   with the same upsert statement shape (ON CONFLICT ... WHERE row_hash IS DISTINCT FROM), child rows too.
 *   Generating the rows is not timed: only the time PostgreSQL spends in COPY and in the merge is.
 */
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Config } from '../../src/config.js';
import { walkKeyset } from '../../src/extract/keyset-walk.js';
import { listPage } from '../../src/extract/list-request.js';
import { listSourceOf } from '../../src/extract/list-source.js';
import { createSeiClient } from '../../src/extract/sei/client.js';
import { InFlightLimit } from '../../src/extract/sei/in-flight.js';
import { TokenBucketBudget } from '../../src/extract/sei/token-bucket.js';
import { planSlices } from '../../src/extract/slicing.js';
import { windowFilter } from '../../src/extract/time-range.js';
import { walkWholeList } from '../../src/extract/whole-list-walk.js';
import { normalizePage } from '../../src/normalize/page.js';
import { silentLogger } from '../../src/observability/logger.js';
import { Dataset } from '../../src/simulator/dataset.js';
import { qualified, quoteIdent } from '../../src/state/sql-text.js';
import { STREAMS } from '../../src/streams/registry.js';
import type { ColumnSpec, Row, StreamName } from '../../src/streams/types.js';
import { Semaphore } from '../../src/sync/semaphore.js';

export interface FetchOnlyResult {
  ms: number;
  records: number;
  requests: number;
}

export async function fetchOnly(config: Config, streams: readonly StreamName[]): Promise<FetchOnlyResult> {
  const budget = new TokenBucketBudget({ requestsPerMinute: config.sei.requestsPerMinute });
  const http = createSeiClient(config.sei, budget, silentLogger);
  const client = new InFlightLimit(http, {
    requestsPerMinute: config.sei.requestsPerMinute,
    maxInFlight: config.sei.maxInFlight,
  });
  const slots = new Semaphore(config.sei.maxInFlight);
  const settings = { settings: { forceDatabaseSource: config.sei.forceDatabaseSource } };
  const started = performance.now();
  let records = 0;
  let requests = 0;
  const count = (cost: { requests: number }) => {
    requests += cost.requests;
  };
  try {
    await Promise.all(
      streams.map(async (name) => {
        const stream = STREAMS[name];
        const source = listSourceOf(settings, stream, stream.alternativePaths?.[0] ?? stream.path);
        const pageSize = Math.min(config.sei.pageSize, stream.maxPageSize ?? Number.POSITIVE_INFINITY);
        if (stream.mode === 'full_refresh') {
          for await (const part of walkWholeList({
            client,
            source,
            pageSize,
            maxRequests: config.sei.maxPages,
          })) {
            records += part.records.length;
            count(part.cost);
          }
          return;
        }
        // The same walk as a sync from the beginning of time: slices from counts, walked in parallel.
        const range = { from: 0, to: Math.floor(Date.now() / 1000) + 1 };
        const plan = await planSlices({
          range,
          pageSize,
          count: async (part) => {
            const answer = await listPage(client, source, {
              page: 0,
              pageSize: 1,
              filter: windowFilter(stream.baseFilter, stream.cursor, part),
            });
            return { total: answer.totalCount, cost: answer.cost };
          },
        });
        count(plan.cost);
        await Promise.all(
          plan.slices.map((slice) =>
            slots.run(async () => {
              for await (const page of walkKeyset({
                client,
                source,
                cursor: stream.cursor,
                range: slice,
                resumeAt: stream.cursor.serverOrder === 'asc' ? slice.from : slice.to,
                pageSize,
                maxRequests: config.sei.maxPages,
              })) {
                records += page.records.length;
                count(page.cost);
              }
            }),
          ),
        );
      }),
    );
  } finally {
    await http.close();
    await budget.close?.();
  }
  return { ms: performance.now() - started, records, requests };
}

/** One value in COPY text format. */
function copyValue(value: unknown, column: ColumnSpec): string {
  if (value === null || value === undefined) return '\\N';
  let text: string;
  if (column.type === 'jsonb') text = JSON.stringify(value);
  else if (Array.isArray(value)) text = `{${value.map((v) => JSON.stringify(String(v))).join(',')}}`;
  else if (value instanceof Date) text = value.toISOString();
  // Normalized rows carry instants as epoch milliseconds (src/normalize/convert.ts).
  else if (column.type === 'timestamptz' && typeof value === 'number') text = new Date(value).toISOString();
  else text = String(value);
  return text.replace(/[\\\n\r\t]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t',
  );
}

function copyLine(row: Row, columns: readonly ColumnSpec[]): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) line += '\t';
    line += copyValue(row[columns[i]!.name], columns[i]!);
  }
  return `${line}\n`;
}

export interface CopyLoadResult {
  /** COPY into staging plus merge, PostgreSQL time only. */
  ms: number;
  copyMs: number;
  mergeMs: number;
  rows: number;
}

/** Rows per COPY chunk: generated untimed, then sent timed. */
const COPY_CHUNK_ROWS = 10_000;

async function copyChunk(
  client: pg.Client,
  staging: string,
  columns: readonly ColumnSpec[],
  lines: string[],
) {
  const started = performance.now();
  const stream = client.query(
    copyFrom(`COPY ${staging} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) FROM STDIN`),
  );
  await pipeline(
    (async function* () {
      for (let i = 0; i < lines.length; i += 1000) yield lines.slice(i, i + 1000).join('');
    })(),
    stream,
  );
  return performance.now() - started;
}

/**
 * Loads the dataset (same seed and sizes as the simulator) into a migrated, empty database through
 * COPY + merge. `runId` must exist in sei_sync.runs if the tables reference it (they do not).
 */
export async function copyLoad(
  client: pg.Client,
  dataset: { seed: number; streamSizes: Partial<Record<StreamName, number>> },
  streams: readonly StreamName[],
  runId: string,
): Promise<CopyLoadResult> {
  const data = new Dataset({ seed: dataset.seed, streamSizes: dataset.streamSizes });
  let copyMs = 0;
  let mergeMs = 0;
  let rows = 0;
  for (const name of streams) {
    const stream = STREAMS[name];
    const tables = [
      { spec: stream.table, entity: true },
      ...stream.children.map((child) => ({ spec: child, entity: false })),
    ];
    const stagingOf = (table: string) => `bench_staging_${table}`;
    for (const { spec } of tables)
      await client.query(
        `CREATE TEMP TABLE ${stagingOf(spec.name)} (${spec.columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`,
      );
    const buffers = new Map<string, string[]>(tables.map(({ spec }) => [spec.name, []]));
    const flush = async (force: boolean) => {
      for (const { spec } of tables) {
        const lines = buffers.get(spec.name)!;
        if (lines.length === 0 || (!force && lines.length < COPY_CHUNK_ROWS)) continue;
        copyMs += await copyChunk(client, stagingOf(spec.name), spec.columns, lines);
        buffers.set(spec.name, []);
      }
    };
    // Record by record from the generator (never the whole stream in memory).
    const state = data.state(name);
    for (let first = 0; first < state.size; first += 1000) {
      const records = [];
      for (let ordinal = first; ordinal < Math.min(state.size, first + 1000); ordinal++) {
        if (!state.isLive(ordinal)) continue;
        const record = state.record(ordinal);
        if (stream.mode === 'incremental' && !record[stream.cursor.recordField]) continue;
        records.push(record);
      }
      const page = normalizePage(stream, records);
      for (const row of page.rows) buffers.get(stream.table.name)!.push(copyLine(row, stream.table.columns));
      for (const child of stream.children)
        for (const row of page.childRows[child.name] ?? [])
          buffers.get(child.name)!.push(copyLine(row, child.columns));
      rows += page.rows.length;
      await flush(false);
    }
    await flush(true);
    const started = performance.now();
    const table = stream.table;
    const target = qualified(table.schema, table.name);
    const columns = table.columns.map((c) => quoteIdent(c.name));
    const keyColumns = table.key.map(quoteIdent);
    const updatable = columns.filter((c) => !keyColumns.includes(c));
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO ${target} AS t (${columns.join(', ')}, row_hash, run_id, last_synced_at)
       SELECT DISTINCT ON (${keyColumns.join(', ')}) ${columns.map((c) => `r.${c}`).join(', ')}, md5(r.raw::text), $1::uuid, now()
       FROM ${stagingOf(table.name)} AS r
       ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET
         ${updatable.map((c) => `${c} = EXCLUDED.${c}`).join(', ')},
         row_hash = EXCLUDED.row_hash, run_id = EXCLUDED.run_id, last_synced_at = EXCLUDED.last_synced_at, deleted_at = NULL
       WHERE t.row_hash IS DISTINCT FROM EXCLUDED.row_hash OR t.deleted_at IS NOT NULL`,
      [runId],
    );
    for (const child of stream.children) {
      const childColumns = child.columns.map((c) => quoteIdent(c.name));
      await client.query(
        `INSERT INTO ${qualified(child.schema, child.name)} (${childColumns.join(', ')}, run_id)
         SELECT ${childColumns.join(', ')}, $1::uuid FROM ${stagingOf(child.name)}`,
        [runId],
      );
    }
    await client.query('COMMIT');
    mergeMs += performance.now() - started;
    for (const { spec } of tables) await client.query(`DROP TABLE ${stagingOf(spec.name)}`);
  }
  return { ms: copyMs + mergeMs, copyMs, mergeMs, rows };
}
