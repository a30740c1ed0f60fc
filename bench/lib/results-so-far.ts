/**
 * A bench's results files (`<path>.md` and `<path>.json`), rewritten after every run it measures, so that
 * a failure late in a long bench (the 3-worker run at 1M, a quarter of an hour in) keeps every row
 * measured before it. On a failure the files get what was measured and one line naming the failed run
 * and why; the bench then prints the markdown and exits 1.
 *
 * `BENCH_FAIL_AFTER_ROWS=n` makes the row after the first n fail, to see the partial files (benches only).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The whole of both files, from the rows measured so far. */
export interface Rendered {
  markdown: string;
  json: Record<string, unknown>;
}

export interface ResultsSoFarOptions {
  /** The files' path without extension, e.g. `bench/results/latency-30000-replay`. */
  path: string;
  render: () => Rendered;
}

/** A failure inside a named run: the name travels with it to `complete`. */
class RunFailed extends Error {
  constructor(
    readonly run: string,
    readonly failure: unknown,
  ) {
    super(`${run}: ${failure instanceof Error ? failure.message : String(failure)}`);
  }
}

/** At most this many characters of a failure's reason go into the files. */
const REASON_MAX_CHARS = 300;

/**
 * The first line of an error's message, and its last line when it has more: a child's stderr, quoted
 * after the first line, ends with the child's own one-line reason.
 */
export function oneLineReason(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error))
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const first = lines[0] ?? 'failed without a message';
  const last = lines.length > 1 ? lines[lines.length - 1] : undefined;
  const reason = last === undefined ? first : `${first} … ${last}`;
  return reason.length > REASON_MAX_CHARS ? `${reason.slice(0, REASON_MAX_CHARS - 1)}…` : reason;
}

/** Write to a temporary file, then rename: a reader never sees half a file. */
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

function failAfterRows(): number | undefined {
  const setting = process.env.BENCH_FAIL_AFTER_ROWS;
  if (setting === undefined || setting === '') return undefined;
  const rows = Number(setting);
  if (!Number.isInteger(rows) || rows < 0) throw new Error('BENCH_FAIL_AFTER_ROWS: an integer >= 0');
  return rows;
}

export class ResultsSoFar {
  private rows = 0;
  private lastRun: string | undefined;
  private readonly failAfter = failAfterRows();

  constructor(private readonly options: ResultsSoFarOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
  }

  /** Measures one row of the table (the caller keeps it in what `render` reads), then rewrites the files. */
  async row<T>(run: string, measure: () => Promise<T>): Promise<T> {
    return this.named(run, async () => {
      if (this.failAfter !== undefined && this.rows >= this.failAfter)
        throw new Error(`injected failure (BENCH_FAIL_AFTER_ROWS=${this.failAfter})`);
      const value = await measure();
      this.rows += 1;
      return value;
    });
  }

  /** Runs a part that is not a row (a capture, a limit), named for the failure line; then rewrites the files. */
  async step<T>(run: string, body: () => Promise<T>): Promise<T> {
    return this.named(run, body);
  }

  /**
   * Runs the whole bench. At its end the files have every row and the markdown goes to stdout; on a
   * failure, the rows so far and the line naming the failure, the error in full on stderr, and exit 1.
   */
  async complete(bench: () => Promise<void>): Promise<void> {
    try {
      await bench();
    } catch (error) {
      const run =
        error instanceof RunFailed
          ? error.run
          : this.lastRun === undefined
            ? 'before the first run'
            : `after ${this.lastRun}`;
      const failure = error instanceof RunFailed ? error.failure : error;
      process.stderr.write(`bench failed: ${run}\n${failure instanceof Error ? failure.stack : failure}\n`);
      const markdown = this.write({ run, reason: oneLineReason(failure) });
      process.stdout.write(`${markdown}\n`);
      process.exit(1);
    }
    process.stdout.write(`${this.write()}\n`);
  }

  private async named<T>(run: string, body: () => Promise<T>): Promise<T> {
    let value: T;
    try {
      value = await body();
    } catch (error) {
      throw error instanceof RunFailed ? error : new RunFailed(run, error);
    }
    this.lastRun = run;
    this.write();
    return value;
  }

  /** Both files from the rows so far (and the failure, if any); returns the markdown. */
  private write(failure?: { run: string; reason: string }): string {
    const rendered = this.options.render();
    const markdown = failure
      ? `${rendered.markdown.trimEnd()}\n\n**Failed:** ${failure.run}: ${failure.reason}\n`
      : rendered.markdown;
    const json = failure ? { ...rendered.json, failure } : rendered.json;
    writeAtomically(`${this.options.path}.json`, `${JSON.stringify(json, null, 2)}\n`);
    writeAtomically(`${this.options.path}.md`, markdown);
    return markdown;
  }
}
