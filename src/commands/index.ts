import type { Command } from 'commander';

/** Every command registers itself on the program; the order here is the order in `--help`. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [];
