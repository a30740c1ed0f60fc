import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliArgs } from '../../support/cli-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

type CliProcess = ChildProcessByStdio<null, Readable, Readable>;

function spawnCli(args: readonly string[]): CliProcess {
  return spawn(process.execPath, cliArgs(args), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `sei-sync simulator <args>` once it says it is ready (its banner ends with "Ctrl+C"). */
async function startSimulatorCli(args: readonly string[]): Promise<{
  child: CliProcess;
  output: string;
  url: string | undefined;
  list(path: string): Promise<Response>;
}> {
  const child = spawnCli(['simulator', '--port', '0', ...args]);
  let output = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('Ctrl+C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited early (${code}): ${output}`)));
  });
  const url = /SEI_BASE_URL=(\S+)/.exec(output)?.[1];
  const key = /SEI_API_KEY=(\S+)/.exec(output)?.[1];
  return {
    child,
    output,
    url,
    list: (path) =>
      fetch(`${url}${path}?there_is_no_cache=true`, {
        method: 'POST',
        headers: { authorization: `APIKEY ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ page: 0, page_size: 100 }),
      }),
  };
}

/** SIGTERM, and the exit code it stopped with; SIGKILL should an assertion have failed before. */
async function stopCleanly(child: CliProcess, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('sei-sync simulator', () => {
  it('prints its URL and admin key, serves, and stops cleanly on SIGTERM', async () => {
    const sim = await startSimulatorCli(['--records', '25', '--seed', '3', '--fault-429', '0']);
    await stopCleanly(sim.child, async () => {
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await sim.list('/v1/scm/prs/list');
      expect(response.status).toBe(200);
      expect(((await response.json()) as { count: number }).count).toBe(25);
    });
  });

  it('mixes hostile records into every stream with --hostile, and refuses a share outside [0, 1]', async () => {
    const sim = await startSimulatorCli(['--records', '40', '--hostile', '1']);
    await stopCleanly(sim.child, async () => {
      expect(sim.output).toContain('hostile share 1');
      const text = await (await sim.list('/v1/jira_issues/list')).text();
      // Every record is hostile: NUL and lone surrogates travel as JSON escapes.
      expect(text).toMatch(/\\u0000/);
      expect(text).toMatch(/\\ud83d(?!\\ud[c-f])/i);
      expect((JSON.parse(text) as { count: number }).count).toBe(40);
    });
    const refused = spawnCli(['simulator', '--hostile', '2']);
    let errors = '';
    refused.stderr.setEncoding('utf8');
    refused.stderr.on('data', (chunk: string) => {
      errors += chunk;
    });
    const [code] = await once(refused, 'exit');
    expect(code).not.toBe(0);
    expect(errors).toMatch(/hostile.*probability in \[0, 1\]/);
  });
});
