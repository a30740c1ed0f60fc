/** What every bench table says about the machine it ran on: the machine itself, and how busy it was. */
import { cpus, loadavg, totalmem } from 'node:os';

const CORES = cpus().length;

/** Cores, CPU model, memory and Node version, for a result's header. */
export function machineDescription(): string {
  return `${CORES} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** The load average over the last minute: taken at each run's start, the machine's weather then. */
export function loadNow(): number {
  return loadavg()[0]!;
}

/** Whether a load average means more runnable work than cores: wall times then say little. */
export function isBusy(load: number): boolean {
  return load > CORES;
}

/** The load at a run's start, flagged when the machine had more runnable work than cores. */
export function loadCell(load: number): string {
  return `${load.toFixed(1)}${isBusy(load) ? ' (busy)' : ''}`;
}

/** The note under a table of loads: what "busy" means on this machine. */
export const BUSY_NOTE = `busy: above the ${CORES} cores; wall times then say little, CPU seconds still hold`;

/**
 * `NAME=value` settings from repeated `--env` options, for the measured CLI only (a setting compared
 * against the default). Throws on a malformed one.
 */
export function envSettings(settings: readonly string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (settings ?? []).map((setting) => {
      const at = setting.indexOf('=');
      if (at < 1) throw new Error(`--env ${setting}: NAME=value`);
      return [setting.slice(0, at), setting.slice(at + 1)];
    }),
  );
}
