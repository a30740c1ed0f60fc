/**
 * CPU time from /proc (Linux): how busy the whole machine was over a run, and how much of it one
 * process used. On a small machine shared by the simulator, the sync and PostgreSQL, this says whether
 * a run was limited by the budget, by latency, or simply by the cores.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's counters (USER_HZ, 100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;

export interface MachineCpu {
  busyTicks: number;
  totalTicks: number;
}

/** The machine's CPU counters so far (all cores); zeros where /proc is not there. */
export function machineCpu(): MachineCpu {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, ...fields] = line.trim().split(/\s+/);
    const ticks = fields.map(Number);
    const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0);
    // idle and iowait are the two fields of time no process used.
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busyTicks: total - idle, totalTicks: total };
  } catch {
    return { busyTicks: 0, totalTicks: 0 };
  }
}

/** Share of the machine's CPU (all cores) used between two readings, in percent. */
export function busyPercent(before: MachineCpu, after: MachineCpu): number {
  const total = after.totalTicks - before.totalTicks;
  return total > 0 ? (100 * (after.busyTicks - before.busyTicks)) / total : 0;
}

/** CPU seconds (user + system) a live process has used; 0 once it is gone. */
export function processCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, inside parentheses): utime is the 14th field.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}
