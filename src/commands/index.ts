import type { Command } from 'commander';

/** Every command registers itself on the program. */
export type RegisterCommand = (program: Command) => void;

/**
 * Each command's module, loaded on demand: a `sync` process never loads BullMQ, Express, Bull Board or
 * the simulator, which keeps its resident memory down (and its start-up fast). The order here is the
 * order in `--help`.
 */
export const COMMAND_LOADERS: Readonly<Record<string, () => Promise<RegisterCommand>>> = {
  migrate: async () => (await import('./migrate.js')).registerMigrate,
  sync: async () => (await import('./sync.js')).registerSync,
  plan: async () => (await import('./plan.js')).registerPlan,
  renormalize: async () => (await import('./renormalize.js')).registerRenormalize,
  verify: async () => (await import('./verify.js')).registerVerify,
  worker: async () => (await import('./worker.js')).registerWorker,
  schedule: async () => (await import('./schedule.js')).registerSchedule,
  'run-now': async () => (await import('./run-now.js')).registerRunNow,
  status: async () => (await import('./status.js')).registerStatus,
  doctor: async () => (await import('./doctor.js')).registerDoctor,
  probe: async () => (await import('./probe.js')).registerProbe,
  capture: async () => (await import('./capture.js')).registerCapture,
  simulator: async () => (await import('./simulator.js')).registerSimulator,
  demo: async () => (await import('./demo.js')).registerDemo,
};

/** The commands to register for these arguments: the named one alone, or all (for help and typos). */
export async function loadCommands(argv: readonly string[]): Promise<RegisterCommand[]> {
  const name = argv.find((arg) => !arg.startsWith('-'));
  const names = name !== undefined && name in COMMAND_LOADERS ? [name] : Object.keys(COMMAND_LOADERS);
  return Promise.all(names.map((command) => COMMAND_LOADERS[command]!()));
}
