/**
 * Fresh embedded (PGlite) data directories for tests, copied from one made once per test run. Creating
 * a PGlite cluster (its initdb) costs about four times its migrations (~13 s against ~3.5 s on a loaded
 * 2-core machine); a copy of a cluster nothing has touched yet is the same fresh database in ~1 s. The
 * first file that needs one makes it with `openWarehouse` under the run's directory (global-setup.ts);
 * files racing to make it each build their own and the first rename wins. Migrations still run wherever
 * a test asks for them, and creating a cluster in an empty directory stays covered by the CLI tests on
 * the embedded database (test/integration/commands/demo-embedded.test.ts, test/e2e/embedded-data-dir-*).
 */
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { openWarehouse } from '../../src/state/open.js';

async function templateDir(): Promise<string> {
  const root = inject('pgliteTemplateRoot');
  const template = join(root, 'template');
  if (existsSync(template)) return template;
  const building = mkdtempSync(join(root, 'building-'));
  const warehouse = await openWarehouse({ dataDir: building, command: 'test: PGlite template' });
  await warehouse.close();
  try {
    renameSync(building, template);
  } catch {
    // Another file's template landed first (a rename onto a non-empty directory fails): use that one.
    rmSync(building, { recursive: true, force: true });
  }
  return template;
}

/** A new temporary directory holding a fresh, unmigrated embedded database; the caller removes it. */
export async function freshPgliteDir(prefix = 'sei-test-pglite-'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(await templateDir(), dir, { recursive: true });
  return dir;
}
