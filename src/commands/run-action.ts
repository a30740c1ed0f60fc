/**
 * Wraps a command's action: any error becomes one line on stderr (`sei-sync: <message>`) and a
 * non-zero exit code; the stack is printed only with `SEI_SYNC_DEBUG=1`. Under `--json` the error
 * also becomes the command's one JSON document on stdout (./json-output.ts), so that stdout always
 * holds exactly one document.
 */
import { Command } from 'commander';
import { errorMessage } from './error-message.js';
import { errorDocument, type JsonCommand, writeJsonDocument } from './json-output.js';

export type ExitCode = number;

/**
 * Commander passes the command itself last: when it was given `--json` (only commands that take the
 * option can be), its name is the document's `command`.
 */
function jsonCommand(args: readonly unknown[]): JsonCommand | undefined {
  const command = args.at(-1);
  return command instanceof Command && command.opts().json === true
    ? (command.name() as JsonCommand)
    : undefined;
}

/** The action's outcome, the one source of the exit code. */
let outcome: ExitCode | undefined;

/**
 * The exit code is the outcome's, set once more as the process exits: a library may reset
 * `process.exitCode` after the action returned (PGlite saves and restores it around its work, and
 * set it to 0 after an embedded database failed to open). A failure is never turned into 0.
 */
function settle(code: ExitCode): void {
  if (outcome === undefined)
    process.once('exit', (exitingWith: number) => {
      process.exitCode = Math.max(outcome ?? 0, exitingWith, Number(process.exitCode ?? 0));
    });
  outcome = Math.max(outcome ?? 0, code);
  process.exitCode = outcome;
}

export function runAction<Args extends unknown[]>(
  action: (...args: Args) => Promise<ExitCode | undefined> | ExitCode | undefined,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      settle((await action(...args)) ?? 0);
    } catch (error) {
      process.stderr.write(`sei-sync: ${errorMessage(error)}\n`);
      if (process.env.SEI_SYNC_DEBUG === '1' && error instanceof Error)
        process.stderr.write(`${error.stack}\n`);
      const json = jsonCommand(args);
      if (json !== undefined) writeJsonDocument(errorDocument(json, error));
      settle(1);
    }
  };
}
