/**
 * `sei-sync demo` as users run it without a database: the real CLI as a child process, into the
 * embedded database (PGlite) under SEI_SYNC_DATA_DIR.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, UNPACED_REQUESTS_PER_MINUTE } from '../../support/cli-process.js';
import { ALL_SUCCEEDED, streamStatuses } from '../../support/summary-table.js';

const COMMAND_TIMEOUT_MS = 120_000;

describe('demo on the embedded database', () => {
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sei-sync-demo-'));
    env = {
      SEI_SYNC_DATA_DIR: dataDir,
      SEI_REQUESTS_PER_MINUTE: UNPACED_REQUESTS_PER_MINUTE,
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'needs no DATABASE_URL: every stream lands in PGlite under SEI_SYNC_DATA_DIR',
    async () => {
      const { code, output } = await runCli(['demo', '--records', '100'], env);
      expect(code, output).toBe(0);
      expect(output).toContain(`embedded PostgreSQL in ${join(dataDir, 'pgdata')}`);
      expect(streamStatuses(output)).toEqual(ALL_SUCCEEDED);
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'again with --changes 2, shows the history rows of changed records, as the README promises',
    async () => {
      const { code, output } = await runCli(['demo', '--records', '100', '--changes', '2'], env);
      expect(code, output).toBe(0);
      const history = output.slice(output.indexOf('History of changed Jira issues'));
      expect(history, output).toMatch(/^History of changed Jira issues/);
      // A closed version (valid_to set) and the version after it, of one issue.
      expect(history).toMatch(/\n378 +(\S+) +\S+Z +\S+Z +false .*\n378 +\1 +\S+Z +(true|false)/);
    },
    COMMAND_TIMEOUT_MS,
  );
});
