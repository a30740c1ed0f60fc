/**
 * The embedded data directory's lock on its own: who holds it is named, stale locks (dead pid, reused
 * pid, a stopped heartbeat on another host) are taken over, and processes racing for one stale lock
 * end with exactly one holder.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DataDirBusyError,
  LOCK_FILE_NAME,
  LOCK_STALE_MS,
  type LockHolder,
  lockDataDir,
  takeOver,
} from '../../../src/state/data-dir-lock.js';
import { killOnExit } from '../../support/child-cleanup.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sei-lock-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeLock(holder: Partial<LockHolder>, ageMs = 0): void {
  const path = join(dir, LOCK_FILE_NAME);
  writeFileSync(
    path,
    JSON.stringify({
      pid: 1,
      host: hostname(),
      processStart: null,
      command: 'sync',
      since: '2024-01-01T00:00:00.000Z',
      ...holder,
    }),
  );
  const at = new Date(Date.now() - ageMs);
  utimesSync(path, at, at);
}

function holder(): LockHolder {
  return JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8')) as LockHolder;
}

/** A sleeping child process: a live pid on this host that is not ours. */
function liveProcess() {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const forget = killOnExit(child);
  return {
    pid: child.pid!,
    stop: () => {
      child.kill('SIGKILL');
      forget();
    },
  };
}

describe('lockDataDir', () => {
  it('refuses while a live process holds the directory, naming it, and is free again after release', () => {
    const first = lockDataDir(dir, 'sync --full-refresh');
    expect(holder()).toMatchObject({ pid: process.pid, command: 'sync --full-refresh' });
    // This process itself counts as stale (a lock with our own pid is a previous life's), so the
    // holder here is a live child process with the same lock contents.
    first.release();
    const other = liveProcess();
    try {
      const since = new Date().toISOString();
      const start = readFileSync(`/proc/${other.pid}/stat`, 'utf8');
      const processStart = start.slice(start.lastIndexOf(')') + 2).split(' ')[19]!;
      writeLock({ pid: other.pid, processStart, command: 'sync', since });
      let refused: unknown;
      try {
        lockDataDir(dir, 'status');
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(DataDirBusyError);
      expect((refused as Error).message).toBe(
        `${dir} is in use by \`sei-sync sync\` (pid ${other.pid} on ${hostname()}, since ${since}); wait for it to finish or stop it, then run again (one sei-sync at a time per embedded data directory)`,
      );
      expect(holder().pid).toBe(other.pid);
    } finally {
      other.stop();
    }
  });

  it('takes over a lock whose process is gone', async () => {
    const gone = liveProcess();
    gone.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    writeLock({ pid: gone.pid });
    lockDataDir(dir, 'sync').release();
  });

  it('takes over a lock whose pid now runs another process (pid reuse)', () => {
    writeLock({ pid: 1, processStart: 'not-the-start-of-pid-1' });
    const lock = lockDataDir(dir, 'sync');
    expect(holder().pid).toBe(process.pid);
    lock.release();
  });

  it('on another host, trusts the heartbeat: fresh refuses, stopped is taken over', () => {
    writeLock({ pid: 4242, host: 'elsewhere' });
    expect(() => lockDataDir(dir, 'sync')).toThrow(/in use by `sei-sync sync` \(pid 4242 on elsewhere/);
    writeLock({ pid: 4242, host: 'elsewhere' }, LOCK_STALE_MS + 1000);
    lockDataDir(dir, 'sync').release();
  });

  it('a process that read the stale lock before another took it over leaves the new lock alone', () => {
    writeLock({ pid: 4242, host: 'elsewhere' }, LOCK_STALE_MS + 1000);
    const path = join(dir, LOCK_FILE_NAME);
    const staleSeenByLoser = readFileSync(path, 'utf8');
    const winner = lockDataDir(dir, 'sync');
    takeOver(path, staleSeenByLoser);
    expect(holder().pid).toBe(process.pid);
    winner.release();
  });

  it('processes racing for one stale lock end with exactly one holder', async () => {
    writeLock({ pid: 4242, host: 'elsewhere' }, LOCK_STALE_MS + 1000);
    const module = fileURLToPath(new URL('../../../src/state/data-dir-lock.ts', import.meta.url));
    const go = join(dir, 'go');
    // Each racer loads, says so, waits for the go file, then takes the lock or is refused, and keeps
    // what it got until the test stops it.
    const script = `
      const { existsSync } = await import('node:fs');
      const { lockDataDir } = await import(${JSON.stringify(module)});
      console.log('ready');
      while (!existsSync(${JSON.stringify(go)})) await new Promise((resolve) => setTimeout(resolve, 2));
      try { lockDataDir(${JSON.stringify(dir)}, 'race'); console.log('got'); }
      catch (error) { console.log(error.code === 'SEI_SYNC_ERR_DATA_DIR_BUSY' ? 'busy' : String(error)); }
      setInterval(() => {}, 1000);`;
    const racers = Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const forget = killOnExit(child);
      const lines: string[] = [];
      const waiters: (() => void)[] = [];
      child.stdout.on('data', (chunk: Buffer) => {
        lines.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((line) => line !== ''),
        );
        for (const wake of waiters.splice(0)) wake();
      });
      const line = async (n: number): Promise<string> => {
        while (lines.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
        return lines[n - 1]!;
      };
      const stop = () => {
        child.kill('SIGKILL');
        forget();
      };
      return { line, stop };
    });
    try {
      await Promise.all(racers.map((racer) => racer.line(1)));
      writeFileSync(go, '');
      const answers = await Promise.all(racers.map((racer) => racer.line(2)));
      expect(answers.filter((answer) => answer === 'got')).toHaveLength(1);
      expect(answers.filter((answer) => answer === 'busy')).toHaveLength(3);
    } finally {
      for (const racer of racers) racer.stop();
    }
  }, 60_000);
});
