/**
 * The real `sei-sync` command line as a child process (`node <compiled src/cli.js> ...`, built once per
 * run by global-setup.ts: see cli-build.ts), with its JSON log lines (stderr) collected so tests can
 * wait for them and assert on them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { killOnExit } from './child-cleanup.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The arguments of `node` that run `sei-sync <args>` (the run's compiled CLI). */
export function cliArgs(args: readonly string[]): string[] {
  return [inject('cliPath'), ...args];
}

/**
 * The highest request rate the configuration allows (src/config.ts), for CLI runs whose subject is not
 * the pacing: at the default 600 a minute, the budget alone would set how long they take.
 */
export const UNPACED_REQUESTS_PER_MINUTE = '5000';

/** The environment of a CLI run against `simulator` into `databaseUrl`, unpaced, logging warnings. */
export function simulatorCliEnv(
  simulator: { url: string; adminKey: string },
  databaseUrl: string,
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    SEI_BASE_URL: simulator.url,
    SEI_API_KEY: simulator.adminKey,
    SEI_REQUESTS_PER_MINUTE: UNPACED_REQUESTS_PER_MINUTE,
    LOG_LEVEL: 'warn',
  };
}

/** One pino line from the child's stderr. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Parsed JSON log lines so far. */
  readonly logs: readonly LogLine[];
  /** Everything written to stdout and stderr so far (last 50 kB), for failure messages. */
  output(): string;
  /** Everything written to stdout alone (for `--json`: the one document). */
  stdout(): string;
  /** The exit, once it happened. */
  readonly exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal if the process still runs. */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL if still running, then waits for the exit. Idempotent; for finally blocks. */
  kill(): Promise<void>;
}

/**
 * Spawns `sei-sync <args>` from the repository root with exactly `env` (plus PATH and HOME): nothing
 * of the test runner's own environment leaks into the child's configuration.
 */
export function spawnCli(
  args: readonly string[],
  env: Record<string, string>,
  /** Run as this user (the tests run as root, for which no directory is unreadable). */
  user?: { uid: number; gid: number },
): CliProcess {
  const child = spawn(process.execPath, cliArgs(args), {
    cwd: REPO_ROOT,
    ...user,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const forget = killOnExit(child);
  const logs: LogLine[] = [];
  let output = '';
  let stdout = '';
  let partial = '';
  let exit: CliProcess['exit'];
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    stdout += text;
    output = `${output}${text}`.slice(-50_000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = `${output}${text}`.slice(-50_000);
    const lines = `${partial}${text}`.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // Not a log line (a stack trace, say): kept in output() only.
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      forget();
      resolve(exit);
    });
  });
  if (child.pid === undefined) throw new Error('could not spawn the sei-sync CLI');
  return {
    child,
    pid: child.pid,
    logs,
    output: () => output,
    stdout: () => stdout,
    get exit() {
      return exit;
    },
    exited,
    signal: (signal) => {
      if (exit === undefined) child.kill(signal);
    },
    kill: async () => {
      if (exit === undefined) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** What a finished `sei-sync` process left: its exit code, stdout and stderr together, stdout alone. */
export interface CliRun {
  code: number | null;
  output: string;
  stdout: string;
}

/** Runs `sei-sync <args>` (as `spawnCli` does) to its exit. */
export async function runCli(
  args: readonly string[],
  env: Record<string, string>,
  user?: { uid: number; gid: number },
): Promise<CliRun> {
  const cli = spawnCli(args, env, user);
  const { code } = await cli.exited;
  return { code, output: cli.output(), stdout: cli.stdout() };
}
