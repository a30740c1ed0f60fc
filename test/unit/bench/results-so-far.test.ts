import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { oneLineReason, ResultsSoFar } from '../../../bench/lib/results-so-far.js';

const HELPER = fileURLToPath(new URL('../../../bench/lib/results-so-far.ts', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'results-so-far-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rowsRendered = (rows: readonly number[]) => ({
  markdown: `# rows\n\n${rows.map((row) => `| ${row} |`).join('\n')}\n`,
  json: { rows },
});

describe('ResultsSoFar', () => {
  it('rewrites both files after each row, leaving no temporary file', async () => {
    const rows: number[] = [];
    const results = new ResultsSoFar({ path: join(dir, 'out/bench'), render: () => rowsRendered(rows) });
    await results.row('first', async () => {
      rows.push(1);
    });
    expect(readFileSync(join(dir, 'out/bench.md'), 'utf8')).toBe('# rows\n\n| 1 |\n');
    await results.row('second', async () => {
      rows.push(2);
    });
    expect(JSON.parse(readFileSync(join(dir, 'out/bench.json'), 'utf8'))).toEqual({ rows: [1, 2] });
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['bench.json', 'bench.md']);
  });

  it('on a failure keeps the rows, names the failed run in one line and exits 1', () => {
    // .mts: a module (top-level await) outside the repository's package.json.
    const script = join(dir, 'bench.mts');
    writeFileSync(
      script,
      `import { ResultsSoFar } from ${JSON.stringify(HELPER)};
const rows: number[] = [];
const results = new ResultsSoFar({
  path: ${JSON.stringify(join(dir, 'bench'))},
  render: () => ({ markdown: \`| \${rows.join(' | ')} |\\n\`, json: { rows } }),
});
await results.complete(async () => {
  await results.row('run 1', async () => { rows.push(1); });
  await results.row('run 2', async () => {
    throw new Error('sync failed (1)\\n{"partial":"log"}\\nsei-sync: the database went away');
  });
});
`,
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(child.status).toBe(1);
    const failed = '**Failed:** run 2: sync failed (1) … sei-sync: the database went away';
    expect(readFileSync(join(dir, 'bench.md'), 'utf8')).toBe(`| 1 |\n\n${failed}\n`);
    expect(child.stdout).toContain(failed);
    expect(JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8'))).toEqual({
      rows: [1],
      failure: { run: 'run 2', reason: 'sync failed (1) … sei-sync: the database went away' },
    });
  });

  it('fails the row after BENCH_FAIL_AFTER_ROWS rows', async () => {
    process.env.BENCH_FAIL_AFTER_ROWS = '1';
    try {
      const rows: number[] = [];
      const results = new ResultsSoFar({ path: join(dir, 'bench'), render: () => rowsRendered(rows) });
      await results.row('first', async () => {
        rows.push(1);
      });
      await expect(
        results.row('second', async () => {
          rows.push(2);
        }),
      ).rejects.toThrow(/second: injected failure/);
      expect(rows).toEqual([1]);
    } finally {
      delete process.env.BENCH_FAIL_AFTER_ROWS;
    }
  });
});

describe('oneLineReason', () => {
  it('is the first line, and the last when there are more, cut to 300 characters', () => {
    expect(oneLineReason(new Error('migrate failed'))).toBe('migrate failed');
    expect(oneLineReason(new Error('run failed\n\nnoise\nthe reason\n'))).toBe('run failed … the reason');
    expect(oneLineReason('x'.repeat(400))).toHaveLength(300);
  });
});
