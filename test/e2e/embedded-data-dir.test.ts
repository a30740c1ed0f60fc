/**
 * The embedded database's data directory with real processes: two syncs at once (an overlapping cron)
 * leave one refused in one line and the warehouse exact; a lock left by a kill -9 is taken over; a
 * directory that cannot be opened is one readable line and a non-zero exit, with and without --json.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatorHandleWithExtras, startSimulator } from '../../src/simulator/index.js';
import { LOCK_FILE_NAME } from '../../src/state/data-dir-lock.js';
import { openWarehouse } from '../../src/state/open.js';
import { type CliProcess, spawnCli } from '../support/cli-process.js';

const TIMEOUT_MS = 240_000;
const STREAMS = 'jira_issues,scm_commits';

let simulator: SimulatorHandleWithExtras;
const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sei-data-dir-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  simulator = await startSimulator({ records: 150, seed: 19 });
});
afterAll(async () => {
  await simulator?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Whether another user can start this Node (CI's Node 22 and 24 legs run one from root's npx cache,
 * which `nobody` cannot reach): every directory on the way and the binary executable by others.
 */
function otherUsersCanRun(file: string): boolean {
  for (let path = file; path !== dirname(path); path = dirname(path))
    if ((statSync(path).mode & 0o001) === 0) return false;
  return true;
}

function env(dir: string): Record<string, string> {
  return {
    SEI_SYNC_DATA_DIR: dir,
    SEI_BASE_URL: simulator.url,
    SEI_API_KEY: simulator.adminKey,
    // Small pages: a walk of many requests, which the simulator slows down while a test needs it running.
    SEI_PAGE_SIZE: '10',
    LOG_LEVEL: 'warn',
  };
}

async function run(args: string[], environment: Record<string, string>, user?: { uid: number; gid: number }) {
  const cli = spawnCli(args, environment, user);
  const exit = await cli.exited;
  return { code: exit.code, output: cli.output(), stdout: cli.stdout() };
}

/** Rows, live rows and distinct keys of the two streams' tables, to compare with the simulator. */
async function warehouseCounts(dir: string) {
  const warehouse = await openWarehouse({ dataDir: dir, command: 'test' });
  try {
    const count = async (sql: string) =>
      Number((await warehouse.db.executeQuery<{ n: number }>(CompiledQuery.raw(sql))).rows[0]!.n);
    return {
      jira: await count('SELECT count(*) AS n FROM sei.jira_issues WHERE deleted_at IS NULL'),
      jiraKeys: await count('SELECT count(DISTINCT (integration_id, issue_key)) AS n FROM sei.jira_issues'),
      jiraRows: await count('SELECT count(*) AS n FROM sei.jira_issues'),
      commits: await count('SELECT count(*) AS n FROM sei.scm_commits WHERE deleted_at IS NULL'),
      commitKeys: await count('SELECT count(DISTINCT commit_key) AS n FROM sei.scm_commits'),
      commitRows: await count('SELECT count(*) AS n FROM sei.scm_commits'),
    };
  } finally {
    await warehouse.close();
  }
}

function expected() {
  const jira = simulator.dataset.count('jira_issues');
  const commits = simulator.dataset.count('scm_commits');
  return { jira, jiraKeys: jira, jiraRows: jira, commits, commitKeys: commits, commitRows: commits };
}

/** Resolves when the simulator has answered a list request since `from` (the sync is walking). */
async function walking(cli: CliProcess, from: number): Promise<void> {
  while (simulator.requestLog.length <= from) {
    if (cli.exit !== undefined) throw new Error(`sync exited early: ${cli.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('one sei-sync at a time per embedded data directory', () => {
  it(
    'two syncs started together: one is refused in one line naming the other, the warehouse is exact',
    async () => {
      const dir = dataDir();
      expect((await run(['migrate'], env(dir))).code).toBe(0);
      // Every answer waits while both run, so the first cannot finish before the second has started.
      simulator.setFaults({ slow: 1, slowMs: 1500 });
      const syncs = [0, 1].map(() => spawnCli(['sync', '--streams', STREAMS], env(dir)));
      try {
        const first = await Promise.race(syncs.map((cli) => cli.exited.then(() => cli)));
        simulator.setFaults({ slow: 0 });
        const other = syncs.find((cli) => cli !== first)!;
        expect(first.exit?.code, first.output()).toBe(1);
        expect(other.exit, 'the sync that holds the directory is still running').toBeUndefined();
        expect(first.output()).toMatch(
          new RegExp(
            `^sei-sync: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by \`sei-sync sync --streams ${STREAMS}\` \\(pid ${other.pid} on .+, since \\d{4}-\\d\\d-\\d\\dT[^)]+\\); wait for it to finish or stop it, then run again \\(one sei-sync at a time per embedded data directory\\)\\n$`,
          ),
        );
        expect((await other.exited).code, other.output()).toBe(0);
      } finally {
        simulator.setFaults({ slow: 0 });
        await Promise.all(syncs.map((cli) => cli.kill()));
      }
      expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
      expect(await warehouseCounts(dir)).toEqual(expected());
    },
    TIMEOUT_MS,
  );

  it(
    'a lock left by a kill -9 is taken over by the next sync, which ends exact',
    async () => {
      const dir = dataDir();
      expect((await run(['migrate'], env(dir))).code).toBe(0);
      simulator.setFaults({ slow: 1, slowMs: 1500 });
      const killed = spawnCli(['sync', '--streams', STREAMS], env(dir));
      try {
        await walking(killed, simulator.requestLog.length);
        await killed.kill();
      } finally {
        simulator.setFaults({ slow: 0 });
        await killed.kill();
      }
      const left = JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8')) as { pid: number };
      expect(left.pid).toBe(killed.pid);
      const next = await run(['sync', '--streams', STREAMS], env(dir));
      expect(next.code, next.output).toBe(0);
      expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
      expect(await warehouseCounts(dir)).toEqual(expected());
    },
    TIMEOUT_MS,
  );
});

describe('a data directory that cannot be opened', () => {
  const MESSAGE =
    /^sei-sync: cannot (open|create) the embedded database (in|directory) \S+ \((EACCES|ENOTDIR)\); .*set SEI_SYNC_DATA_DIR to a directory this user can read and write/m;

  it.skipIf(!otherUsersCanRun(process.execPath))(
    "unreadable (another user's, mode 000): exit 1 and one readable line, with and without --json",
    async () => {
      const dir = dataDir();
      expect((await run(['migrate'], env(dir))).code).toBe(0);
      chmodSync(dir, 0o777);
      chmodSync(join(dir, 'pgdata'), 0o000);
      // As root every directory is readable: the command runs as nobody, as a user without access would.
      const nobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
      const environment = { ...env(dir), HOME: tmpdir() };
      const plain = await run(['status'], environment, nobody);
      expect(plain.code, plain.output).toBe(1);
      expect(plain.output).toMatch(MESSAGE);
      expect(plain.output).not.toContain('[object Object]');
      expect(plain.output.trim().split('\n')).toHaveLength(1);
      const json = await run(['status', '--json'], environment, nobody);
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
      const file = join(dataDir(), 'not-a-directory');
      writeFileSync(file, '');
      for (const args of [['sync'], ['status', '--json']]) {
        const result = await run(args, env(file));
        expect(result.code, result.output).toBe(1);
        expect(result.output).toMatch(
          /cannot create the embedded database directory \S+ \(ENOTDIR\); set SEI_SYNC_DATA_DIR/,
        );
      }
    },
    TIMEOUT_MS,
  );
});
