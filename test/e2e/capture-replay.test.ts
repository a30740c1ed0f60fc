/**
 * The real processes: `sei-sync capture` against the simulator, `sei-sync simulator --replay` of that
 * capture, and `sei-sync sync` on the capture's clock against the replay into a fresh database, which
 * then holds exactly what the simulator serves. The key is in no byte the capture wrote, nor in
 * anything the commands printed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/secret.js';
import { type SimulatorHandleWithExtras, startSimulator } from '../../src/simulator/index.js';
import { openWarehouse, type Warehouse } from '../../src/state/index.js';
import type { StreamName } from '../../src/streams/types.js';
import { type CliProcess, spawnCli } from '../support/cli-process.js';
import { closedPort } from '../support/closed-port.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';
import { diffStream } from '../support/sync-harness.js';

const KEY = 'e2e-capture-key-0b8d6f2a41';
const STREAMS: StreamName[] = ['jira_issues', 'scm_pull_requests', 'org_users', 'integrations'];
const COMMAND_TIMEOUT_MS = 180_000;

/** Resolves once the process printed `text` (on stdout), failing if it exits first. */
async function printed(cli: CliProcess, text: string): Promise<void> {
  for (;;) {
    if (cli.stdout().includes(text)) return;
    if (cli.exit) throw new Error(`exited (${cli.exit.code}) before printing ${text}: ${cli.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('sei-sync capture, then sei-sync simulator --replay', () => {
  let simulator: SimulatorHandleWithExtras;
  let database: TestDatabase;
  let warehouse: Warehouse;
  let dir: string;
  let replay: CliProcess | undefined;
  const printedText: string[] = [];

  beforeAll(async () => {
    simulator = await startSimulator({ records: 150, adminKeys: [KEY] });
    database = await createTestDatabase('sei_test', { migrated: true });
    warehouse = await openWarehouse({ databaseUrl: new Secret(database.url) });
    dir = join(mkdtempSync(join(tmpdir(), 'capture-e2e-')), 'capture');
  }, COMMAND_TIMEOUT_MS);

  afterAll(async () => {
    await replay?.kill();
    await warehouse?.close();
    await database?.drop();
    await simulator?.close();
    if (dir) rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it(
    'captures the streams whole and prints what it wrote, opening no database of the user',
    async () => {
      // A DATABASE_URL nothing answers at: the capture must not need it (its walks use a throwaway one).
      const databaseUrl = `postgres://root@127.0.0.1:${await closedPort()}/nothing`;
      const capture = spawnCli(['capture', '--streams', STREAMS.join(','), '--pages', '100', '--out', dir], {
        SEI_BASE_URL: simulator.url,
        SEI_API_KEY: KEY,
        SEI_PAGE_SIZE: '40',
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'warn',
      });
      const { code } = await capture.exited;
      printedText.push(capture.output());
      expect(code, capture.output()).toBe(0);
      expect(capture.stdout()).toContain(`written to ${dir}`);
      expect(capture.stdout()).toContain(`sei-sync simulator --replay ${dir}`);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      expect(
        manifest.streams.map((s: { stream: string; complete: boolean }) => [s.stream, s.complete]).sort(),
      ).toEqual(STREAMS.map((stream) => [stream, true]).sort());
      const files = readdirSync(join(dir, 'exchanges'));
      expect(files).toHaveLength(manifest.exchanges);
      // Several pages of the big streams at 40 records a page.
      expect(files.filter((name) => name.endsWith('-jira_issues.json')).length).toBeGreaterThan(3);
    },
    COMMAND_TIMEOUT_MS,
  );

  it('wrote the key nowhere: no captured byte, no printed line holds it', () => {
    const files = [
      join(dir, 'manifest.json'),
      ...readdirSync(join(dir, 'exchanges')).map((n) => join(dir, 'exchanges', n)),
    ];
    expect(files.filter((file) => readFileSync(file).includes(KEY))).toEqual([]);
    expect(printedText.join('\n')).not.toContain(KEY);
  });

  it(
    'replays it: a sync on the capture clock fills a fresh database with what the simulator serves',
    async () => {
      replay = spawnCli(['simulator', '--replay', dir, '--port', '0'], {});
      await printed(replay, 'Ctrl+C');
      const url = /SEI_BASE_URL=(\S+)/.exec(replay.stdout())?.[1] as string;
      const clock = /SEI_SYNC_CLOCK=(\S+)/.exec(replay.stdout())?.[1] as string;
      expect(clock).toBe(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).clock);
      const sync = spawnCli(['sync', '--streams', STREAMS.join(','), '--json'], {
        SEI_BASE_URL: url,
        SEI_API_KEY: 'replay',
        SEI_PAGE_SIZE: '40',
        SEI_SYNC_CLOCK: clock,
        DATABASE_URL: database.url,
        LOG_LEVEL: 'warn',
      });
      const { code } = await sync.exited;
      expect(code, sync.output()).toBe(0);
      for (const stream of STREAMS)
        expect(await diffStream({ simulator, warehouse }, stream)).toMatchObject({
          missing: [],
          unexpected: [],
          different: [],
        });
      replay.signal('SIGTERM');
      expect((await replay.exited).code).toBe(0);
      expect(replay.stdout()).toMatch(/replay stopped: \d+ answered, 0 not captured/);
    },
    COMMAND_TIMEOUT_MS,
  );
});
