/**
 * `sei-sync sync` (the real process) against an SEI host that is not there: a closed loopback port
 * (connection refused) and a name that cannot resolve (`.invalid`, RFC 2606). The run stops after the
 * first request's retries with one line naming the host; the other streams send nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncDocument } from '../../src/commands/json-output.js';
import { runCliJson } from '../support/cli-json.js';
import { spawnCli } from '../support/cli-process.js';
import { closedPort } from '../support/closed-port.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

const COMMAND_TIMEOUT_MS = 120_000;
const MAX_ATTEMPTS = 3;

describe('sync against an unreachable SEI host', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase('sei_test', { migrated: true });
    env = {
      DATABASE_URL: database.url,
      SEI_API_KEY: 'sei-unreachable-key-5e2a',
      SEI_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      LOG_LEVEL: 'warn',
    };
  }, COMMAND_TIMEOUT_MS);
  afterAll(async () => {
    await database?.drop();
  });

  it.each([
    ['a closed port', async () => `http://127.0.0.1:${await closedPort()}`, /connection refused/],
    ['a name that does not resolve', async () => 'https://sei-sync-e2e.invalid/sei/api', /DNS/],
  ])(
    '%s: one request series for the whole run, one line naming the host, exit 1',
    async (_what, baseUrl, cause) => {
      const url = await baseUrl();
      const host = new URL(url).host;
      const sync = await runCliJson<SyncDocument>(['sync'], { ...env, SEI_BASE_URL: url });
      expect(sync.code).toBe(1);
      expect(sync.document.error?.code, sync.output).toBe('SEI_ERR_UNREACHABLE');
      expect(sync.document.error?.message).toContain(`cannot reach SEI at ${host}`);
      expect(sync.document.error?.message).toMatch(cause);
      expect(sync.document.error?.message).toContain('SEI_BASE_URL');
      const requests = sync.document.streams.reduce((sum, s) => sum + (s.counts?.requests ?? 0), 0);
      // The first request and its retries; every other stream waited for it and sent nothing.
      expect(requests).toBe(MAX_ATTEMPTS);
      const retryLines = sync.output.split('\n').filter((line) => line.includes('SEI request failed'));
      expect(retryLines).toHaveLength(MAX_ATTEMPTS - 1);
      expect(sync.output).not.toContain(env.SEI_API_KEY);
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'without --json the reason is the last line, once',
    async () => {
      const url = `http://127.0.0.1:${await closedPort()}`;
      const cli = spawnCli(['sync'], { ...env, SEI_BASE_URL: url, LOG_LEVEL: 'silent' });
      const { code } = await cli.exited;
      expect(code).toBe(1);
      const lines = cli.output().trimEnd().split('\n');
      expect(lines.at(-1)).toMatch(/^sei-sync: SEI_ERR_UNREACHABLE: cannot reach SEI at 127\.0\.0\.1:\d+/);
      expect(lines.filter((line) => line.includes('cannot reach SEI'))).toHaveLength(1);
    },
    COMMAND_TIMEOUT_MS,
  );
});
