/**
 * Compiles the project once (tsc, like `npm run build`) into dist/bench-build, so the measured CLI is
 * the JavaScript users run, not tsx transforming TypeScript on the fly (which costs time and memory).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT_DIR = 'dist/bench-build';

export function buildCli(): string {
  const cli = `${REPO_ROOT}${OUT_DIR}/src/cli.js`;
  try {
    execFileSync(
      process.execPath,
      [`${REPO_ROOT}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json', '--outDir', OUT_DIR],
      { cwd: REPO_ROOT, stdio: 'pipe', timeout: 300_000 },
    );
  } catch (error) {
    // Type errors still emit JavaScript; only a missing output is fatal.
    if (!existsSync(cli)) throw error;
    process.stderr.write('bench: tsc reported errors; measuring the JavaScript it emitted anyway\n');
  }
  return cli;
}
