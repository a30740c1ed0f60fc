/**
 * Opens the embedded PostgreSQL (PGlite) in a data directory, one process at a time
 * (./data-dir-lock.ts). Whatever fails on the way (the directory cannot be made, read or written; it
 * holds no database or a damaged one) becomes one EmbeddedDataDirError saying what to do: PGlite's
 * own failures are objects without a message, or "PGlite failed to initialize properly".
 */

import { accessSync, constants, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kysely } from 'kysely';
import { SYNC_ERROR_CODES } from '../errors.js';
import { DataDirBusyError, type DataDirLock, lockDataDir } from './data-dir-lock.js';
import type { Database } from './schema.js';

export class EmbeddedDataDirError extends Error {
  readonly code = SYNC_ERROR_CODES.dataDir;
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedDataDirError';
  }
}

const FIX =
  'set SEI_SYNC_DATA_DIR to a directory this user can read and write (or DATABASE_URL for a PostgreSQL server)';

/** PGlite's file system errors carry WASI errno numbers; the common ones by name. */
const WASI_ERRNO: Readonly<Record<number, string>> = {
  2: 'EACCES',
  20: 'EEXIST',
  44: 'ENOENT',
  51: 'ENOSPC',
  54: 'ENOTDIR',
  63: 'EPERM',
  69: 'EROFS',
};

function reason(error: unknown): string {
  const { code, errno, message } = (error ?? {}) as { code?: unknown; errno?: unknown; message?: unknown };
  if (typeof code === 'string') return code;
  if (typeof errno === 'number') return WASI_ERRNO[errno] ?? `errno ${errno}`;
  return typeof message === 'string' && message !== '' ? message.split('\n')[0]! : String(error);
}

function cannotOpen(dir: string, error: unknown): EmbeddedDataDirError {
  return new EmbeddedDataDirError(
    `cannot open the embedded database in ${resolve(dir)} (${reason(error)}); it must be readable and writable by this user and hold a sei-sync database (move it aside to start anew), or ${FIX}`,
  );
}

export interface EmbeddedDatabase {
  db: Kysely<Database>;
  /** The directory PGlite keeps its files in. */
  dir: string;
  close(): Promise<void>;
}

/** `command` names the holder in the message another process gets while this one has the directory. */
export async function openEmbedded(dataDir: string, command: string): Promise<EmbeddedDatabase> {
  const dir = join(dataDir, 'pgdata');
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new EmbeddedDataDirError(
      `cannot create the embedded database directory ${resolve(dir)} (${reason(error)}); ${FIX}`,
    );
  }
  let lock: DataDirLock;
  try {
    lock = lockDataDir(dataDir, command);
  } catch (error) {
    if (error instanceof DataDirBusyError) throw error;
    throw new EmbeddedDataDirError(
      `cannot lock the embedded data directory ${resolve(dataDir)} (${reason(error)}); ${FIX}`,
    );
  }
  try {
    // PGlite takes a directory it cannot read for an empty one and spends seconds of CPU on an initdb
    // before it fails: say so at once.
    try {
      accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (error) {
      throw cannotOpen(dir, error);
    }
    // Loaded only here: a process on a PostgreSQL server never pays for the embedded one.
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGliteDialect } = await import('kysely-pglite-dialect');
    let pglite: Awaited<ReturnType<typeof PGlite.create>>;
    try {
      pglite = await PGlite.create(dir);
    } catch (error) {
      throw cannotOpen(dir, error);
    }
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    return {
      db,
      dir,
      close: async () => {
        try {
          await db.destroy();
          if (!pglite.closed) await pglite.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}
