/**
 * The embedded database's data directory with real processes: a directory that cannot be opened is one
 * readable line and a non-zero exit, with and without --json.
 */
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.js';
import { useEmbeddedDataDirs } from '../support/embedded-data-dirs.js';

const TIMEOUT_MS = 240_000;

const fixture = useEmbeddedDataDirs();

/**
 * Whether another user can start this Node (CI's Node 22 and 24 legs run one from root's npx cache,
 * which `nobody` cannot reach): every directory on the way and the binary executable by others.
 */
function otherUsersCanRun(file: string): boolean {
  for (let path = file; path !== dirname(path); path = dirname(path))
    if ((statSync(path).mode & 0o001) === 0) return false;
  return true;
}

describe('a data directory that cannot be opened', () => {
  const MESSAGE =
    /^sei-sync: cannot (open|create) the embedded database (in|directory) \S+ \((EACCES|ENOTDIR)\); .*set SEI_SYNC_DATA_DIR to a directory this user can read and write/m;

  it.skipIf(!otherUsersCanRun(process.execPath))(
    "unreadable (another user's, mode 000): exit 1 and one readable line, with and without --json",
    async () => {
      const dir = await fixture.migratedClusterDir();
      chmodSync(dir, 0o777);
      chmodSync(join(dir, 'pgdata'), 0o000);
      // As root every directory is readable: the command runs as nobody, as a user without access would.
      const nobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
      const environment = { ...fixture.env(dir), HOME: tmpdir() };
      const plain = await runCli(['status'], environment, nobody);
      expect(plain.code, plain.output).toBe(1);
      expect(plain.output).toMatch(MESSAGE);
      expect(plain.output).not.toContain('[object Object]');
      expect(plain.output.trim().split('\n')).toHaveLength(1);
      const json = await runCli(['status', '--json'], environment, nobody);
      expect(json.code, json.output).toBe(1);
      const document = JSON.parse(json.stdout) as { ok: boolean; error: { code: string; message: string } };
      expect(document.ok).toBe(false);
      expect(document.error.code).toBe('SEI_SYNC_ERR_DATA_DIR');
      expect(document.error.message).toMatch(/^cannot open the embedded database in .* \(EACCES\)/);
    },
    TIMEOUT_MS,
  );

  it(
    'a regular file where the directory should be: exit 1 and one line that says what to do',
    async () => {
      const file = join(fixture.dataDir(), 'not-a-directory');
      writeFileSync(file, '');
      for (const args of [['sync'], ['status', '--json']]) {
        const result = await runCli(args, fixture.env(file));
        expect(result.code, result.output).toBe(1);
        expect(result.output).toMatch(
          /cannot create the embedded database directory \S+ \(ENOTDIR\); set SEI_SYNC_DATA_DIR/,
        );
      }
    },
    TIMEOUT_MS,
  );
});
