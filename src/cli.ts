#!/usr/bin/env -S node --max-semi-space-size=4 --single-threaded-gc
/**
 * The `sei-sync` command line. Thin on purpose: each command lives in src/commands/<name>.ts, parses
 * its options and calls into the modules that do the work.
 *
 * The young generation is capped at 4 MiB per semi-space (node 20 and 22 let it grow to 16): a sync
 * allocates its pages fast, and the semi-spaces are resident memory besides the pages. On the 100k
 * Jira replay the cap lowered the peak RSS by 30–40 MiB at the same CPU per record
 * (docs/performance.md#memory). V8 fixes the young generation's size when the heap is made, so the
 * flag can only come from node's command line: this line, for `sei-sync` (the npm bin and the
 * image's entry point). It wins over NODE_OPTIONS; `node --max-semi-space-size=N dist/src/cli.js`
 * runs with another size.
 *
 * The garbage collector runs on the main thread only (`--single-threaded-gc`): its helper threads
 * cost more CPU than they save on a sync's many small collections (issue 24, 100k Jira replay: sync
 * CPU per record −19%, peak RSS +22–27 MiB; 1M: −3%, 227 MiB). Also a V8 flag read only at start-up.
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
