/**
 * Imports go one way (.dependency-cruiser.cjs): no cycle, no stage importing the sync that composes it,
 * no observability importing the engine, commands through a feature's index. Fails with the edges.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('the import graph', () => {
  it('has no cycle and no edge against the pipeline', async () => {
    const run = promisify(execFile)(
      process.execPath,
      [
        'node_modules/dependency-cruiser/bin/dependency-cruise.mjs',
        'src',
        'jobs',
        '--config',
        '.dependency-cruiser.cjs',
        '--output-type',
        'err',
      ],
      { cwd: root },
    );
    const outcome = await run.then(
      ({ stdout }) => ({ ok: true, out: stdout }),
      (error: { stdout?: string }) => ({ ok: false, out: error.stdout ?? String(error) }),
    );
    expect(outcome.out, outcome.out).not.toMatch(/error/);
    expect(outcome.ok).toBe(true);
  });
});
