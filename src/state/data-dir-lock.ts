/**
 * One process at a time per embedded data directory. PGlite writes its files directly and knows
 * nothing of other processes: two of them on one directory break the database (duplicate keys, or a
 * database that no longer opens). The lock is a file created with O_EXCL, holding who has it; its
 * mtime is a heartbeat. A lock is stale when its process is gone (same host: the pid is not running,
 * or runs a process started at another time, i.e. a reused pid) or, where that cannot be checked,
 * when its heartbeat stopped. Taking a stale lock over is serialized by a mkdir, so that two
 * processes racing for one stale lock cannot both win.
 */

import { mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SYNC_ERROR_CODES } from '../errors.js';

export const LOCK_FILE_NAME = 'sei-sync.lock';
/** How often the holder touches its lock. */
export const LOCK_HEARTBEAT_MS = 5_000;
/** A lock whose holder cannot be checked (another host, no /proc) is stale after this long without a heartbeat. */
export const LOCK_STALE_MS = 120_000;
/** A takeover takes microseconds; its marker older than this was left by a killed process. */
const TAKEOVER_STALE_MS = 10_000;

export class DataDirBusyError extends Error {
  readonly code = SYNC_ERROR_CODES.dataDirBusy;
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `${dir} is in use by \`sei-sync ${holder.command}\` (pid ${holder.pid} on ${holder.host}, since ${holder.since}); wait for it to finish or stop it, then run again (one sei-sync at a time per embedded data directory)`,
    );
    this.name = 'DataDirBusyError';
  }
}

/** What the lock file holds. */
export interface LockHolder {
  pid: number;
  host: string;
  /** The holder's process start time (Linux /proc), to tell a reused pid from the holder. */
  processStart: string | null;
  command: string;
  /** ISO instant the lock was taken. */
  since: string;
}

export interface DataDirLock {
  release(): void;
}

/** The start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or null. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(holder: LockHolder, heartbeatAgeMs: number): boolean {
  if (holder.host === hostname()) {
    if (holder.pid === process.pid || !pidRunning(holder.pid)) return true;
    const start = processStart(holder.pid);
    if (holder.processStart !== null && start !== null) return start !== holder.processStart;
  }
  return heartbeatAgeMs > LOCK_STALE_MS;
}

/**
 * The lock's holder (undefined while it is being written, or when a holder died writing it) and
 * heartbeat age; undefined when there is no lock (any more).
 */
function readLock(path: string): { holder: LockHolder | undefined; raw: string; ageMs: number } | undefined {
  try {
    const raw = readFileSync(path, 'utf8');
    const ageMs = Date.now() - statSync(path).mtimeMs;
    try {
      return { holder: JSON.parse(raw) as LockHolder, raw, ageMs };
    } catch {
      return { holder: undefined, raw, ageMs };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function tryCreate(path: string, holder: LockHolder): boolean {
  try {
    writeFileSync(path, JSON.stringify(holder), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Removes the lock only if it still is the stale one read before (`staleRaw`): another process may
 * have taken it over since. One taker at a time, serialized by a marker directory.
 */
export function takeOver(path: string, staleRaw: string): void {
  const marker = `${path}.takeover`;
  try {
    mkdirSync(marker);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    try {
      if (Date.now() - statSync(marker).mtimeMs > TAKEOVER_STALE_MS) rmdirSync(marker);
      else sleepSync(20);
    } catch {
      // Gone already: the other taker finished.
    }
    return;
  }
  try {
    if (readLock(path)?.raw === staleRaw) unlinkSync(path);
  } finally {
    rmdirSync(marker);
  }
}

/**
 * Takes the lock of `dir` for `command`, or throws DataDirBusyError naming the holder. The lock is
 * kept fresh until `release()`, and released if the process exits without it.
 */
export function lockDataDir(dir: string, command: string): DataDirLock {
  const path = join(dir, LOCK_FILE_NAME);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    processStart: processStart(process.pid),
    command,
    since: new Date().toISOString(),
  };
  // Each round takes the lock, refuses, waits for a lock being written, or removes a stale one.
  for (let attempt = 0; ; attempt++) {
    if (tryCreate(path, me)) break;
    const current = readLock(path);
    if (current === undefined) continue;
    const { holder, raw, ageMs } = current;
    if (holder === undefined && ageMs < TAKEOVER_STALE_MS && attempt < 100) {
      sleepSync(20);
      continue;
    }
    if (holder !== undefined && (!isStale(holder, ageMs) || attempt >= 100))
      throw new DataDirBusyError(dir, holder);
    takeOver(path, raw);
  }
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // The directory went away; the next write fails with its own message.
    }
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    process.off('exit', release);
    try {
      if (readLock(path)?.holder?.pid === process.pid) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
  process.on('exit', release);
  return { release };
}
