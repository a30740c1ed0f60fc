/**
 * The CLI as JavaScript for the test run's child processes: src, migrations and jobs compiled file by
 * file with TypeScript's `transpileModule` (what `npm run build` emits for each file; the project is
 * `isolatedModules`), without type checking, which `npm run typecheck` does. A child started from it
 * runs the code users run from dist/, and skips tsx's loader and on-the-fly transform at every start
 * (~1 s of CPU per process, and the suite starts dozens). global-setup.ts builds it once per run under
 * dist/ (so that node_modules and package.json resolve as from dist/src) and removes it at teardown.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The folders tsconfig.build.json compiles. */
const SOURCE_DIRS = ['src', 'migrations', 'jobs'];

export interface CliBuild {
  /** The compiled src/cli.js. */
  cliPath: string;
  remove(): void;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

export function buildCliForTests(): CliBuild {
  const outDir = join(REPO_ROOT, 'dist', `test-cli-${process.pid}`);
  rmSync(outDir, { recursive: true, force: true });
  const { config } = ts.readConfigFile(join(REPO_ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, REPO_ROOT);
  // ESNext is what NodeNext emits for this "type": "module" package; transpileModule cannot look that up.
  const compilerOptions = { ...options, module: ts.ModuleKind.ESNext, sourceMap: false, noEmit: false };
  for (const dir of SOURCE_DIRS) {
    for (const file of filesUnder(join(REPO_ROOT, dir))) {
      const target = join(outDir, relative(REPO_ROOT, file));
      mkdirSync(dirname(target), { recursive: true });
      if (file.endsWith('.ts')) {
        const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
          compilerOptions,
          fileName: file,
        });
        writeFileSync(target.replace(/\.ts$/, '.js'), outputText);
      } else if (file.endsWith('.json')) {
        copyFileSync(file, target);
      }
    }
  }
  return {
    cliPath: join(outDir, 'src', 'cli.js'),
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}
