import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { shebangNodeFlags } from '../../../bench/lib/cli-process.js';

const CLI = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));

/** The young generation's size (both semi-spaces, bytes) after allocating garbage fast. */
const NEW_SPACE_AFTER_CHURN = `
  let keep = [];
  for (let i = 0; i < 2e6; i++) { keep.push({ a: i, b: 'x' + i }); if (keep.length > 1e5) keep = []; }
  const v8 = require('node:v8');
  process.stdout.write(String(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size));
`;

function newSpaceBytes(flags: readonly string[]): number {
  return Number(
    execFileSync(process.execPath, [...flags, '-e', NEW_SPACE_AFTER_CHURN], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    }),
  );
}

describe('the young generation of `sei-sync`', () => {
  it('is capped by the node flags of the CLI\u2019s #! line, below what node allows by default', () => {
    const flags = shebangNodeFlags(CLI);
    expect(flags).toContain('--max-semi-space-size=4');
    const capped = newSpaceBytes(flags);
    expect(capped).toBeLessThanOrEqual(2 * 4 * 2 ** 20);
    expect(newSpaceBytes([])).toBeGreaterThan(capped);
  });

  it('collects garbage on the main thread only, which costs a sync less CPU', () => {
    expect(shebangNodeFlags(CLI)).toContain('--single-threaded-gc');
  });

  it('reads only an `env -S node` line', () => {
    expect(shebangNodeFlags(fileURLToPath(new URL('./young-generation.test.ts', import.meta.url)))).toEqual(
      [],
    );
  });
});
