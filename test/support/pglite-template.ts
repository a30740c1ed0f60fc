/**
 * Fresh embedded (PGlite) data directories for tests, copied from ones made once per test run. Creating
 * a PGlite cluster (its initdb) costs about four times its migrations (~13 s against ~3.5 s on a loaded
 * 2-core machine); a copy of a cluster nothing has touched yet is the same fresh database in ~1 s, and a
 * copy of one migrated once saves the migrations too. The first file that needs a template makes it with
 * `openWarehouse` under the run's directory (global-setup.ts); files that need it meanwhile wait for it
 * rather than build their own (the largest files start first, and both workers' first ones want it).
 * Migrating a fresh cluster stays covered where migrations are the subject
 * (test/integration/streams/migration.test.ts, write-path-migration, hostile-migration), and creating a
 * cluster in an empty directory by the CLI tests on the embedded database
 * (test/integration/commands/demo-embedded.test.ts).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { migrateToLatest } from '../../src/state/migrate.js';
import { openWarehouse } from '../../src/state/open.js';

type Template = 'fresh' | 'migrated';

/** Longest wait for another file's build of a template (an initdb on a loaded machine takes ~15 s). */
const BUILD_WAIT_MS = 100_000;

async function templateDir(kind: Template): Promise<string> {
  const root = inject('pgliteTemplateRoot');
  const template = join(root, kind);
  // Whoever makes this directory builds the template in it; the others wait for the rename.
  const building = join(root, `${kind}.building`);
  const deadline = Date.now() + BUILD_WAIT_MS;
  for (;;) {
    if (existsSync(template)) return template;
    try {
      mkdirSync(building);
      break;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new Error(`the PGlite template ${building} was not built in time`);
      await sleep(100);
    }
  }
  try {
    if (kind === 'migrated') cpSync(await templateDir('fresh'), building, { recursive: true });
    const warehouse = await openWarehouse({ dataDir: building, command: `test: PGlite template (${kind})` });
    try {
      if (kind === 'migrated') await migrateToLatest(warehouse);
    } finally {
      await warehouse.close();
    }
    renameSync(building, template);
  } catch (error) {
    // Let the next file that needs it try again.
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
  return template;
}

async function copyOf(kind: Template, prefix: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(await templateDir(kind), dir, { recursive: true });
  return dir;
}

/** A new temporary directory holding a fresh, unmigrated embedded database; the caller removes it. */
export function freshPgliteDir(prefix = 'sei-test-pglite-'): Promise<string> {
  return copyOf('fresh', prefix);
}

/** A new temporary directory holding a fresh embedded database, migrated; the caller removes it. */
export function migratedPgliteDir(prefix = 'sei-test-pglite-'): Promise<string> {
  return copyOf('migrated', prefix);
}
