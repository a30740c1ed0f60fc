/**
 * Runs the real CLI with `--json` and holds it to the contract of src/commands/json-output.ts: stdout
 * is exactly one JSON document on one line, whose `ok` agrees with the exit code.
 */
import { expect } from 'vitest';
import type { JsonDocument } from '../../src/commands/json-output.js';
import { spawnCli } from './cli-process.js';

export interface JsonRun<D extends JsonDocument> {
  code: number | null;
  document: D;
  /** stdout and stderr together, for failure messages and secret checks. */
  output: string;
}

export async function runCliJson<D extends JsonDocument = JsonDocument>(
  args: readonly string[],
  env: Record<string, string>,
): Promise<JsonRun<D>> {
  const cli = spawnCli([...args, '--json'], env);
  const { code } = await cli.exited;
  const stdout = cli.stdout();
  expect(stdout.endsWith('\n'), cli.output()).toBe(true);
  expect(stdout.trimEnd().split('\n'), `one line on stdout:\n${cli.output()}`).toHaveLength(1);
  const document = JSON.parse(stdout) as D;
  expect(document.schema).toBe(1);
  expect(document.ok, cli.output()).toBe(code === 0);
  return { code, document, output: cli.output() };
}
