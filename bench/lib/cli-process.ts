/**
 * Runs the real `sei-sync` CLI as a child process (compiled, or through tsx as `npm run sei-sync`
 * does), with the node flags of its `#!` line as the `sei-sync` bin runs it, and samples its peak
 * resident memory (VmHWM of /proc/<pid>/status, a high-water mark the kernel keeps).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI_SOURCE = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
/** Preload that writes the child's process.cpuUsage at exit (./cpu-at-exit.cjs). */
const CPU_AT_EXIT = fileURLToPath(new URL('./cpu-at-exit.cjs', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRunOptions {
  args: string[];
  env: Record<string, string>;
  /** The child is SIGKILLed after this long. */
  timeoutMs: number;
  /** SIGKILL the child after this many ms (fault runs). */
  killAfterMs?: number;
  /** Polled every 50 ms while the child runs; SIGKILLs it when it resolves true (fault runs). */
  killWhen?: () => Promise<boolean>;
  /** Extra node flags (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
  /** Compiled CLI (see ./build.ts); without it the TypeScript source runs through tsx. */
  cliPath?: string;
  /** Called once the child runs, with its pid (fault runs restart services meanwhile). */
  onStart?: (pid: number) => void;
}

export interface CliRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak resident set size in MiB (sampled every 50 ms, the kernel's high-water mark). */
  peakRssMiB: number;
  /** CPU seconds (user + system) of the child, by its own process.cpuUsage at exit; undefined when killed. */
  cpuSeconds: number | undefined;
  killed: boolean;
}

/** How often VmHWM is read. */
const RSS_SAMPLE_MS = 50;

/** The kernel's high-water mark of a process's resident memory (VmHWM), in KiB; undefined once it is gone. */
export function readHighWaterKiB(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The node flags of a script's `#!/usr/bin/env -S node <flags>` line: what `sei-sync` (the npm bin,
 * the image's entry point) runs the CLI with, so that a bench measures what users run.
 */
export function shebangNodeFlags(script: string): string[] {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  const match = /^#!\/usr\/bin\/env -S node((?:\s+\S+)*)\s*$/.exec(first);
  return match?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

export function runCli(options: CliRunOptions): Promise<CliRunResult> {
  const started = performance.now();
  const entry = options.cliPath ? [options.cliPath] : ['--import', 'tsx', CLI_SOURCE];
  const cpuDir = mkdtempSync(join(tmpdir(), 'sei-bench-cpu-'));
  const cpuFile = join(cpuDir, 'cpu.json');
  // Flags given here come after the bin's, so they win (node takes the last of a flag).
  const binFlags = shebangNodeFlags(options.cliPath ?? CLI_SOURCE);
  const flags = [...binFlags, ...(options.nodeFlags ?? []), '--require', CPU_AT_EXIT];
  const child = spawn(process.execPath, [...flags, ...entry, ...options.args], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      LOG_LEVEL: 'warn',
      ...options.env,
      BENCH_CPU_FILE: cpuFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.length > 1_000_000) stdout = stdout.slice(-500_000);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
  });
  let peakKiB = 0;
  let killed = false;
  const sampler = setInterval(() => {
    const kib = child.pid ? readHighWaterKiB(child.pid) : undefined;
    if (kib !== undefined && kib > peakKiB) peakKiB = kib;
  }, RSS_SAMPLE_MS);
  if (child.pid) options.onStart?.(child.pid);
  const kill = () => {
    killed = true;
    child.kill('SIGKILL');
  };
  const timeout = setTimeout(kill, options.timeoutMs);
  let polling = false;
  const poller =
    options.killWhen === undefined
      ? undefined
      : setInterval(() => {
          if (polling || killed) return;
          polling = true;
          options.killWhen!()
            .then((yes) => {
              if (yes && child.exitCode === null) kill();
            })
            .catch(() => {})
            .finally(() => {
              polling = false;
            });
        }, RSS_SAMPLE_MS);
  const killer = options.killAfterMs === undefined ? undefined : setTimeout(kill, options.killAfterMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearInterval(sampler);
      if (poller) clearInterval(poller);
      clearTimeout(timeout);
      if (killer) clearTimeout(killer);
      const cpuSeconds = readCpuSeconds(cpuFile);
      rmSync(cpuDir, { recursive: true, force: true });
      // Let the pipes drain.
      setImmediate(() =>
        resolve({
          cpuSeconds,
          code,
          signal,
          stdout,
          stderr,
          ms: performance.now() - started,
          peakRssMiB: Math.round(peakKiB / 1024),
          killed,
        }),
      );
    });
  });
}

function readCpuSeconds(file: string): number | undefined {
  try {
    const { user, system } = JSON.parse(readFileSync(file, 'utf8')) as { user: number; system: number };
    return (user + system) / 1e6;
  } catch {
    return undefined;
  }
}
