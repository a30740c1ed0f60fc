/**
 * For the files that run the real CLI on the embedded database: one simulator for the file, fresh data
 * directories (removed after the file) and the environment that points the CLI at both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type SimulatorHandleWithExtras, startSimulator } from '../../src/simulator/index.js';
import { UNPACED_REQUESTS_PER_MINUTE } from './cli-process.js';
import { freshPgliteDir, migratedPgliteDir } from './pglite-template.js';

export interface EmbeddedDataDirs {
  /** The file's simulator (started in beforeAll). */
  readonly simulator: SimulatorHandleWithExtras;
  /** A new empty directory. */
  dataDir(): string;
  /** A new directory holding a fresh, unmigrated embedded database (support/pglite-template.ts). */
  clusterDir(): Promise<string>;
  /** A new directory holding a fresh embedded database, migrated. */
  migratedClusterDir(): Promise<string>;
  /** The CLI's environment for the data directory `dir` and the simulator. */
  env(dir: string): Record<string, string>;
}

/** Registers the calling file's beforeAll/afterAll hooks; call it at the top level of the file. */
export function useEmbeddedDataDirs(): EmbeddedDataDirs {
  let simulator: SimulatorHandleWithExtras | undefined;
  const dirs: string[] = [];
  beforeAll(async () => {
    simulator = await startSimulator({ records: 150, seed: 19 });
  });
  afterAll(async () => {
    await simulator?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  /** `made`, removed with the file's other directories. */
  const kept = async (made: Promise<string>): Promise<string> => {
    const dir = await made;
    dirs.push(dir);
    return dir;
  };
  const started = (): SimulatorHandleWithExtras => {
    if (simulator === undefined) throw new Error('the simulator starts in beforeAll');
    return simulator;
  };
  return {
    get simulator() {
      return started();
    },
    dataDir: () => {
      const dir = mkdtempSync(join(tmpdir(), 'sei-data-dir-'));
      dirs.push(dir);
      return dir;
    },
    clusterDir: () => kept(freshPgliteDir('sei-data-dir-')),
    migratedClusterDir: () => kept(migratedPgliteDir('sei-data-dir-')),
    env: (dir) => ({
      SEI_SYNC_DATA_DIR: dir,
      SEI_BASE_URL: started().url,
      SEI_API_KEY: started().adminKey,
      // Small pages: a walk of many requests, which the simulator slows down while a test needs it running.
      SEI_PAGE_SIZE: '10',
      // What keeps a sync running is the simulator's delay, not the pacing.
      SEI_REQUESTS_PER_MINUTE: UNPACED_REQUESTS_PER_MINUTE,
      LOG_LEVEL: 'warn',
    }),
  };
}
