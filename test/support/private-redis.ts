/**
 * A redis-server of one test's own, on a free loopback port, that the test may SIGKILL and start again
 * without touching the shared Redis that other test files use at the same time.
 *
 * It runs as production does (docker-compose): an append-only file fsynced on every write, so a
 * `kill -9` loses nothing Redis acknowledged, and a restart on the same directory replays it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { killOnExit } from './child-cleanup.js';

/** True when a `redis-server` binary is on PATH. */
export function redisServerAvailable(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** A TCP port nobody listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/** Sends PING on a fresh socket; true on +PONG (false while Redis is down or still loading its AOF). */
function ping(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

export interface PrivateRedisOptions {
  /** Longest wait for the server to answer PING after a start. @defaultValue 10000 */
  startTimeoutMs?: number;
}

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Holds the append-only file; removed by `stop()`. */
  readonly dataDir: string;
  /** Output of every start so far (for failure messages). */
  output(): string;
  /** Starts the server (again) on the same port and directory; resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGKILL, as a crash or an OOM kill would; resolves once the process has exited. */
  kill(): Promise<void>;
  /** Kills the server if it runs and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'sei-sync-redis-'));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const kill = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };

  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null)
      throw new Error('redis-server runs already');
    const args = [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir],
      ...['--save', '', '--appendonly', 'yes', '--appendfsync', 'always'],
      ...['--maxmemory-policy', 'noeviction', '--daemonize', 'no'],
    ];
    const server = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = server;
    const release = killOnExit(server);
    exited = new Promise((resolve) => server.once('exit', () => resolve()));
    exited.then(release, release);
    for (const stream of [server.stdout, server.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        output = `${output}${chunk.toString('utf8')}`.slice(-20_000);
      });
    }
    const deadline = Date.now() + startTimeoutMs;
    while (!(await ping(port))) {
      if (server.exitCode !== null || server.signalCode !== null)
        throw new Error(`redis-server exited at start:\n${output.slice(-2_000)}`);
      if (Date.now() > deadline) {
        await kill();
        throw new Error(`redis-server did not answer PING within ${startTimeoutMs} ms`);
      }
      await sleep(20);
    }
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dataDir,
    output: () => output,
    start,
    kill,
    stop: async () => {
      await kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
