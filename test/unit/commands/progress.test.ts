import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressReporter } from '../../../src/commands/progress.js';

/** A terminal of 120 columns that keeps what is drawn on it. */
function terminal(): { output: NodeJS.WritableStream; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, rows: 40 });
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { output: stream, text: () => text };
}

const logLine = (msg: string, stream: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ level: 40, time: Date.now(), pid: 1, stream, msg, ...extra });

describe('progress bars', () => {
  it('show log lines above the bars as sentences, each once, with a count of its repeats', async () => {
    const { output, text } = terminal();
    const progress = createProgressReporter(['cicd_jobs', 'org_users'], { interactive: true, output });
    const note = 'cicd_jobs endpoint answered 500: rows derived from cicd_job_runs';
    for (let i = 0; i < 22; i++) progress.log(logLine(note, 'cicd_jobs'));
    progress.log(logLine('the API key was refused', 'org_users', { err: 'HTTP 401' }));
    progress.done('org_users', 'failed');
    progress.done('cicd_jobs', 'succeeded');
    progress.stop();
    await new Promise((resolve) => setImmediate(resolve));
    const drawn = text();
    expect(drawn).not.toContain('{"level"');
    expect(drawn).toContain(`warn: ${note} (cicd_jobs)`);
    expect(drawn).toContain('warn: the API key was refused: HTTP 401 (org_users)');
    expect(drawn).toContain(`warn: ${note} (×22 in all)`);
    expect(drawn.split(note).length - 1).toBe(2);
  });

  it('without a terminal, a plain line per stream as it ends', () => {
    const lines: string[] = [];
    const progress = createProgressReporter(['jira_issues', 'org_users'], {
      interactive: false,
      write: (line) => lines.push(line),
    });
    progress.done('jira_issues', 'clean', true);
    progress.done('org_users', 'differs', true);
    progress.stop();
    expect(lines).toEqual(['[progress] jira_issues: clean', '[progress] org_users: differs']);
  });
});
