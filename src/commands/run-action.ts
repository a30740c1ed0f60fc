/**
 * Wraps a command's action: any error becomes one line on stderr (`sei-sync: <message>`) and a
 * non-zero exit code; the stack is printed only with `SEI_SYNC_DEBUG=1`.
 */
export type ExitCode = number;

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
      process.exitCode = 1;
    }
  };
}
