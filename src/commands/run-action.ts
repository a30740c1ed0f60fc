/**
 * Wraps a command's action: any error becomes one line on stderr (`sei-sync: <message>`) and a
 * non-zero exit code; the stack is printed only with `SEI_SYNC_DEBUG=1`. Under `--json` the error
 * also becomes the command's one JSON document on stdout (./json-output.ts), so that stdout always
 * holds exactly one document.
 */
import { Command } from 'commander';
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

export function runAction<Args extends unknown[]>(
  action: (...args: Args) => Promise<ExitCode | undefined> | ExitCode | undefined,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      const code = await action(...args);
      process.exitCode = code ?? 0;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`sei-sync: ${message.split('\n')[0]}\n`);
      if (process.env.SEI_SYNC_DEBUG === '1' && error instanceof Error)
        process.stderr.write(`${error.stack}\n`);
      const json = jsonCommand(args);
      if (json !== undefined) writeJsonDocument(errorDocument(json, error));
      process.exitCode = 1;
    }
  };
}
