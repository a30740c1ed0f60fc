/** Types shared by the write path's modules (./upsert.ts and the two ways rows reach PostgreSQL). */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../state/schema.js';
import type { ChildTableSpec, Row, TableSpec } from '../streams/types.js';

export type Executor = Kysely<Database> | Transaction<Database>;

/** A row the page inserted or really changed (its key columns), for layers that follow changes. */
export interface ChangedRow {
  key: Record<string, unknown>;
  inserted: boolean;
}

/** An entity row ready to write: its typed columns, its raw record as JSON text and that text's hash. */
export interface PreparedRow {
  readonly row: Row;
  /** `keyText` of the row's key (../state/sql-text.ts), made once for the page's every use of it. */
  readonly key: string;
  /** `JSON.stringify(row.raw)`, or null when the row has no raw record (PostgreSQL refuses it: NOT NULL). */
  readonly rawJson: string | null;
  /** `row_hash` (./row-hash.ts), null with `rawJson`. */
  readonly hash: string | null;
}

/** What every row a page writes is stamped with. */
export interface WriteStamp {
  runId: string;
  syncedAt: Date;
}

/**
 * How rows reach PostgreSQL: `COPY` in binary on a PostgreSQL server (./write-path-copy.ts), one jsonb
 * parameter expanded by `jsonb_to_recordset` on the embedded database (./write-path-jsonb.ts). Both
 * write the same rows with the same statements around them; only the transport differs.
 */
export interface WritePath {
  readonly name: 'copy' | 'jsonb';
  /**
   * Upserts `rows` (distinct keys, in key order) into `table` behind the `row_hash` guard and returns
   * the rows inserted or really changed.
   */
  mergeRows(
    trx: Executor,
    table: TableSpec,
    rows: readonly PreparedRow[],
    stamp: WriteStamp,
  ): Promise<ChangedRow[]>;
  /** Inserts child rows whose parents have no child rows left (new parents, or lists just deleted). */
  insertChildren(trx: Executor, child: ChildTableSpec, rows: readonly Row[], runId: string): Promise<void>;
  /**
   * A `text[]` parameter (cast `$n::text[]` in the statement) as this path's connections take it most
   * cheaply; without it, the array as is.
   */
  textArrayParam?(values: readonly (string | null)[]): unknown;
}
