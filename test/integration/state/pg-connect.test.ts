/**
 * Connecting to a real PostgreSQL that refuses: no free slot (53300, here through a role's connection
 * limit) is waited for; a SCRAM server and a URL without a password is one line at once (a private
 * throwaway cluster, since the shared one trusts loopback).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/secret.js';
import { openWarehouse } from '../../../src/state/open.js';
import { waitingPool } from '../../../src/state/pg-connect.js';
import { spawnCli } from '../../support/cli-process.js';
import { freePort } from '../../support/private-redis.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

describe('connecting to PostgreSQL', () => {
  let database: TestDatabase;
  const role = `sei_limit_${process.pid}`;
  beforeAll(async () => {
    database = await createTestDatabase();
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 1`);
    await admin.end();
  });
  afterAll(async () => {
    await database?.drop();
    const admin = new pg.Client({ connectionString: database.url.replace(/\/[^/]*$/, '/postgres') });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  it('waits for a free connection slot (53300) instead of failing, within its bound', async () => {
    const url = new URL(database.url);
    url.username = role;
    const holder = new pg.Client({ connectionString: url.toString() });
    await holder.connect();
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    const refusals: unknown[] = [];
    const waiting = waitingPool(pool, 'test', {
      firstDelayMs: 20,
      onWait: (error) => {
        refusals.push((error as { code?: string }).code);
        // The slot frees up once the server has refused us once.
        if (refusals.length === 1) void holder.end();
      },
    });
    const client = await waiting.connect();
    expect(refusals[0]).toBe('53300');
    client.release();
    await waiting.end();
  });

  it('a server it cannot reach, or a database that does not exist, is one line naming PostgreSQL', async () => {
    const port = await freePort();
    const refused = await openWarehouse({ databaseUrl: new Secret(`postgres://u:pw@127.0.0.1:${port}/x`) });
    await expect(refused.db.selectFrom('sei_sync.runs').selectAll().execute()).rejects.toThrow(
      new RegExp(`^cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/x: connection refused`),
    );
    await refused.close();
    const missing = new URL(database.url);
    missing.pathname = `/${database.name}_missing`;
    const absent = await openWarehouse({ databaseUrl: new Secret(missing.toString()) });
    await expect(absent.db.selectFrom('sei_sync.runs').selectAll().execute()).rejects.toThrow(
      `\`createdb ${database.name}_missing\``,
    );
    await absent.close();
  });
});

const INITDB = '/usr/lib/postgresql/15/bin/initdb';
const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl';
/** initdb refuses to run as root; as root the cluster is made by the `postgres` user. */
const asRoot = process.getuid?.() === 0;
const canInitdb =
  spawnSync(INITDB, ['--version']).status === 0 && (!asRoot || spawnSync('id', ['postgres']).status === 0);
if (!canInitdb)
  console.warn('[pg-connect] SCRAM test SKIPPED: no initdb (postgresql-15) to start a private cluster');

describe.skipIf(!canInitdb)('a SCRAM server and DATABASE_URL without a password', () => {
  let dir: string;
  let port: number;
  const run = (command: string, args: string[]) => {
    const result = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
      : spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sei-sync-scram-'));
    chmodSync(dir, 0o777);
    port = await freePort();
    writeFileSync(join(dir, 'pw'), 'throwaway-password\n');
    if (asRoot)
      chownSync(
        join(dir, 'pw'),
        Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
        0,
      );
    run(INITDB, [
      '-D',
      join(dir, 'data'),
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${join(dir, 'pw')}`,
    ]);
    run(PG_CTL, [
      '-D',
      join(dir, 'data'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      '-l',
      join(dir, 'log'),
      '-w',
      'start',
    ]);
  }, 60_000);
  afterAll(() => {
    if (dir === undefined) return;
    try {
      run(PG_CTL, ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says the URL needs a password, and lets the process go (no wait for the server to time out)', async () => {
    const warehouse = await openWarehouse({
      databaseUrl: new Secret(`postgres://postgres@127.0.0.1:${port}/postgres`),
    });
    await expect(warehouse.db.selectFrom('sei_sync.runs').selectAll().execute()).rejects.toThrow(
      /^PostgreSQL at 127\.0\.0\.1:\d+\/postgres asks for a password and DATABASE_URL has none/,
    );
    await warehouse.close();
  });

  it('`sei-sync migrate` exits at once with that line (the server keeps a failed login for 60 s otherwise)', async () => {
    const cli = spawnCli(['migrate'], { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres` });
    const { code } = await cli.exited;
    expect(code).toBe(1);
    expect(cli.output().trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^sei-sync: PostgreSQL at 127\.0\.0\.1:\d+\/postgres asks for a password/),
    ]);
  }, 40_000); // Below the server's authentication_timeout (60 s): without closing the socket, the exit comes after it.
});
