/**
 * The embedded database's data directory with real processes: two syncs at once (an overlapping cron)
 * leave one refused in one line and the warehouse exact; a lock left by a kill -9 is taken over.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from '../../src/state/data-dir-lock.js';
import { openWarehouse } from '../../src/state/open.js';
import { type CliProcess, runCli, spawnCli } from '../support/cli-process.js';
import { useEmbeddedDataDirs } from '../support/embedded-data-dirs.js';

const TIMEOUT_MS = 240_000;
const STREAMS = 'jira_issues,scm_commits';

const fixture = useEmbeddedDataDirs();

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
  const jira = fixture.simulator.dataset.count('jira_issues');
  const commits = fixture.simulator.dataset.count('scm_commits');
  return { jira, jiraKeys: jira, jiraRows: jira, commits, commitKeys: commits, commitRows: commits };
}

/** Resolves when the simulator has answered a list request since `from` (the sync is walking). */
async function walking(cli: CliProcess, from: number): Promise<void> {
  while (fixture.simulator.requestLog.length <= from) {
    if (cli.exit !== undefined) throw new Error(`sync exited early: ${cli.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('one sei-sync at a time per embedded data directory', () => {
  it(
    'two syncs started together: one is refused in one line naming the other, the warehouse is exact',
    async () => {
      const dir = await fixture.clusterDir();
      expect((await runCli(['migrate'], fixture.env(dir))).code).toBe(0);
      // Every answer waits while both run, so the first cannot finish before the second has started.
      fixture.simulator.setFaults({ slow: 1, slowMs: 1500 });
      const syncs = [0, 1].map(() => spawnCli(['sync', '--streams', STREAMS], fixture.env(dir)));
      try {
        const first = await Promise.race(syncs.map((cli) => cli.exited.then(() => cli)));
        fixture.simulator.setFaults({ slow: 0 });
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
        fixture.simulator.setFaults({ slow: 0 });
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
      const dir = await fixture.migratedClusterDir();
      fixture.simulator.setFaults({ slow: 1, slowMs: 1500 });
      const killed = spawnCli(['sync', '--streams', STREAMS], fixture.env(dir));
      try {
        await walking(killed, fixture.simulator.requestLog.length);
        await killed.kill();
      } finally {
        fixture.simulator.setFaults({ slow: 0 });
        await killed.kill();
      }
      const left = JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8')) as { pid: number };
      expect(left.pid).toBe(killed.pid);
      const next = await runCli(['sync', '--streams', STREAMS], fixture.env(dir));
      expect(next.code, next.output).toBe(0);
      expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
      expect(await warehouseCounts(dir)).toEqual(expected());
    },
    TIMEOUT_MS,
  );
});
