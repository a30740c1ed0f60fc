import { readdirSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { expect, it } from 'vitest';
import { registerMigrate, WAREHOUSE_SCHEMAS } from '../../../src/commands/migrate.js';

it('migrate --help names every schema the migrations create', () => {
  const dir = new URL('../../../migrations/', import.meta.url);
  const created = new Set<string>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts')))
    for (const match of readFileSync(new URL(file, dir), 'utf8').matchAll(
      /CREATE SCHEMA(?: IF NOT EXISTS)? (\w+)/gi,
    ))
      created.add(match[1]!);
  expect([...created].sort()).toEqual([...WAREHOUSE_SCHEMAS].sort());
  const program = new Command();
  registerMigrate(program);
  const help = program.commands[0]!.helpInformation();
  for (const schema of created) expect(help).toMatch(new RegExp(`\\b${schema}\\b`));
});
