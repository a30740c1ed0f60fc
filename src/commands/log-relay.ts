/**
 * Where a command's log lines go while progress bars are drawn. pino writes JSON lines to stderr;
 * written there under the bars they tear them apart. The relay is the logger's destination: it hands
 * each line to whoever draws (the progress reporter), or to stderr when nobody does. The drawer shows
 * a line as one short sentence once, and counts its repeats (`RepeatedLines`) instead of redrawing it.
 */
import { Writable } from 'node:stream';

export class LogRelay extends Writable {
  #target: ((line: string) => void) | undefined;

  /** Lines go to `target` until `detach()`. */
  attach(target: (line: string) => void): void {
    this.#target = target;
  }

  detach(): void {
    this.#target = undefined;
  }

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ) {
    const text = chunk.toString();
    const target = this.#target;
    if (target === undefined) process.stderr.write(text);
    else for (const line of text.split('\n')) if (line.trim() !== '') target(line);
    callback();
  }
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * The lines of a log as a person reads them under bars: `warn: <msg> (<stream>)`, each distinct one
 * once; identical ones (same level and message, whatever the time or stream) are counted.
 */
export class RepeatedLines {
  readonly #seen = new Map<string, { text: string; count: number }>();

  /** The text to show for `line` now, or undefined when it repeats one already shown. */
  add(line: string): string | undefined {
    let parsed: { level?: number; msg?: string; stream?: string; err?: string } | undefined;
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch {
      return line;
    }
    const level = LEVEL_NAMES[parsed?.level ?? 30] ?? 'log';
    const message = `${level}: ${parsed?.msg ?? ''}${parsed?.err ? `: ${parsed.err}` : ''}`;
    const entry = this.#seen.get(message);
    if (entry !== undefined) {
      entry.count += 1;
      return undefined;
    }
    this.#seen.set(message, { text: message, count: 1 });
    return `${message}${parsed?.stream ? ` (${parsed.stream})` : ''}`;
  }

  /** One line per message shown more than once, with its count. */
  repeats(): string[] {
    return [...this.#seen.values()]
      .filter((entry) => entry.count > 1)
      .map((entry) => `${entry.text} (×${entry.count} in all)`);
  }
}
