import type { Command } from 'commander';
import { registerDemo } from './demo.js';
import { registerDoctor } from './doctor.js';
import { registerMigrate } from './migrate.js';
import { registerPlan } from './plan.js';
import { registerRunNow } from './run-now.js';
import { registerSchedule } from './schedule.js';
import { registerSimulator } from './simulator.js';
import { registerStatus } from './status.js';
import { registerSync } from './sync.js';
import { registerWorker } from './worker.js';

/** Every command registers itself on the program; the order here is the order in `--help`. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [
  registerMigrate,
  registerSync,
  registerPlan,
  registerWorker,
  registerSchedule,
  registerRunNow,
  registerStatus,
  registerDoctor,
  registerSimulator,
  registerDemo,
];
