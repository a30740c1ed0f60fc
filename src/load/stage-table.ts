/**
 * The staging table of an entity table: a temporary table of the session (`pg_temp`) that a page's
 * changed rows are COPYed into before the guarded upsert merges them (./merge-sql.ts). Temporary
 * tables are never WAL-logged; `ON COMMIT DELETE ROWS` empties it at every commit, and it is created
 * once per connection (`IF NOT EXISTS`, which also recreates it after a rollback undid its creation).
 */
import { CompiledQuery } from 'kysely';
import { quoteIdent } from '../state/sql-text.js';
import type { TableSpec } from '../streams/types.js';
import { CopyIn } from './copy-client.js';
import { copyColumnList } from './copy-rows.js';
import { mergeSourceColumns, mergeSql } from './merge-sql.js';
import { rowHash } from './row-hash.js';
import type { Executor } from './write-types.js';

/** Staging tables are named `sei_sync_stage_<table>_<hash of its shape>` in the session's pg_temp. */
const STAGE_PREFIX = 'sei_sync_stage_';

export interface StageOptions {
  /**
   * Compression of the staging table's jsonb columns. Values are compressed once, when COPYed into
   * the staging table, and the merge copies them as they are, so this is what the entity table
   * stores: `lz4` when the server has it (./write-path.ts), which compresses several times faster.
   */
  compression: 'lz4' | 'pglz';
}

export interface Stage {
  create: string;
  copy: string;
  clear: string;
  merge: string;
}

const stages = new WeakMap<TableSpec, Map<string, Stage>>();

export function stageOf(table: TableSpec, options: StageOptions): Stage {
  let byOptions = stages.get(table);
  if (byOptions === undefined) {
    byOptions = new Map();
    stages.set(table, byOptions);
  }
  const cached = byOptions.get(options.compression);
  if (cached !== undefined) return cached;
  const columns = mergeSourceColumns(table).map(
    (column) =>
      `${quoteIdent(column.name)} ${column.type}${column.type === 'jsonb' ? ` COMPRESSION ${options.compression}` : ''}`,
  );
  // The shape is part of the name: a session never COPYs into a staging table of another shape.
  const name = `pg_temp.${quoteIdent(`${STAGE_PREFIX}${table.name}_${rowHash(columns.join(',')).slice(0, 8)}`)}`;
  const stage: Stage = {
    // No constraints: a NULL key or raw is refused by the merge, with the entity table's own message.
    create: `CREATE TEMP TABLE IF NOT EXISTS ${name} (${columns.join(', ')}) ON COMMIT DELETE ROWS`,
    copy: `COPY ${name} (${copyColumnList(mergeSourceColumns(table))}) FROM STDIN (FORMAT binary)`,
    clear: `DELETE FROM ${name}`,
    merge: mergeSql(table, `${name} AS s`),
  };
  byOptions.set(options.compression, stage);
  return stage;
}

/**
 * Transactions whose staging tables may hold rows of an earlier write: a page being bisected writes
 * several parts in one transaction (./isolate-bad-records.ts), each of which must merge only its own.
 */
const usedStages = new WeakMap<Executor, Set<Stage>>();

/** COPYs `data` (./copy-rows.ts `encodeEntityRows`, no stamp) into the empty staging table. */
export async function fillStage(trx: Executor, stage: Stage, data: Buffer): Promise<void> {
  await trx.executeQuery(CompiledQuery.raw(stage.create));
  let used = usedStages.get(trx);
  if (used === undefined) {
    used = new Set();
    usedStages.set(trx, used);
  }
  if (used.has(stage)) await trx.executeQuery(CompiledQuery.raw(stage.clear));
  used.add(stage);
  await trx.executeQuery(CompiledQuery.raw(stage.copy, [new CopyIn(data)]));
}
