#!/usr/bin/env node
/**
 * The `sei-sync` command line. Thin on purpose: each command lives in src/commands/<name>.ts, parses
 * its options and calls into the modules that do the work.
 */
import { Command } from 'commander';
import { loadCommands } from './commands/index.js';
import { limitHeapGrowth } from './runtime/heap-growth.js';

limitHeapGrowth();

const program = new Command('sei-sync')
  .description('Export Harness SEI data into PostgreSQL')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

for (const register of await loadCommands(process.argv.slice(2))) register(program);

await program.parseAsync(process.argv);
