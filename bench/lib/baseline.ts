/**
 * The CLI of another commit (`npm run bench -- --baseline main`), built beside this one so that one
 * benchmark run measures the old and the new write path on the same machine, data and minutes. The
 * commit's tree is exported with `git archive` into dist/bench-baseline/<commit>/ (inside the
 * repository, so it resolves this checkout's node_modules) and compiled with tsc like ./build.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { REPO_ROOT } from './build.js';

export interface BaselineCli {
  /** The commit, abbreviated. */
  commit: string;
  cliPath: string;
}

export function buildBaselineCli(ref: string): BaselineCli {
  const commit = execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  }).trim();
  const dir = `${REPO_ROOT}dist/bench-baseline/${commit}`;
  const cliPath = `${dir}/out/src/cli.js`;
  if (!existsSync(`${dir}/package.json`)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('sh', ['-c', `git archive --format=tar "${commit}" | tar -x -C "${dir}"`], {
      cwd: REPO_ROOT,
    });
  }
  try {
    execFileSync(
      process.execPath,
      [
        `${REPO_ROOT}node_modules/typescript/bin/tsc`,
        '-p',
        `${dir}/tsconfig.build.json`,
        '--outDir',
        `${dir}/out`,
      ],
      { cwd: dir, stdio: 'pipe', timeout: 300_000 },
    );
  } catch (error) {
    // Type errors still emit JavaScript; only a missing output is fatal.
    if (!existsSync(cliPath)) throw error;
  }
  return { commit, cliPath };
}
