/**
 * The limit a sync is measured against: a plain binary `COPY` of exactly the rows the sync wrote
 * (every table of `sei` and `sei_history`, child tables included) into empty tables of the same
 * schema, with every index, constraint and trigger in place, in one transaction on one connection.
 *
 * The rows are first dumped to files (`COPY ... TO` in binary, untimed), then loaded: only the load is
 * timed, so the figure is what PostgreSQL takes to store those rows, nothing else.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { connect } from './database.js';

export interface CopyEverythingResult {
  /** The load, in seconds. */
  seconds: number;
  rows: number;
  bytes: number;
}

/** Tables of `sei` then `sei_history`, tables with foreign keys (children, where they have them) last. */
async function tablesOf(url: string): Promise<string[]> {
  const client = await connect(url);
  try {
    const result = await client.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
       WHERE schemaname IN ('sei', 'sei_history')
       ORDER BY schemaname = 'sei_history',
         EXISTS (SELECT 1 FROM pg_constraint c
                 WHERE c.conrelid = format('%I.%I', schemaname, tablename)::regclass AND c.contype = 'f'),
         tablename`,
    );
    return result.rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

/**
 * Loads what `sourceUrl`'s sync wrote into `targetUrl` (migrated, empty) and times the load.
 */
export async function copyEverything(sourceUrl: string, targetUrl: string): Promise<CopyEverythingResult> {
  const tables = await tablesOf(sourceUrl);
  const dir = mkdtempSync(join(tmpdir(), 'sei-bench-copy-'));
  try {
    const source = await connect(sourceUrl);
    let rows = 0;
    let bytes = 0;
    try {
      for (const [i, table] of tables.entries()) {
        const out = copyTo(`COPY ${table} TO STDOUT (FORMAT binary)`);
        await pipeline(source.query(out), createWriteStream(join(dir, String(i))));
        rows += out.rowCount;
        bytes += statSync(join(dir, String(i))).size;
      }
    } finally {
      await source.end();
    }
    const target = await connect(targetUrl);
    try {
      const started = performance.now();
      await target.query('BEGIN');
      for (const [i, table] of tables.entries())
        await pipeline(
          createReadStream(join(dir, String(i)), { highWaterMark: 1 << 20 }),
          target.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT binary)`)),
        );
      await target.query('COMMIT');
      return { seconds: (performance.now() - started) / 1000, rows, bytes };
    } finally {
      await target.end();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
