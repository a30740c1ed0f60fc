import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('sei-sync simulator', () => {
  it('prints its URL and admin key, serves, and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'simulator',
        '--port',
        '0',
        '--records',
        '25',
        '--seed',
        '3',
        '--fault-429',
        '0',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
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
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${url}/v1/scm/prs/list?there_is_no_cache=true`, {
        method: 'POST',
        headers: { authorization: `APIKEY ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ page: 0, page_size: 100 }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { count: number }).count).toBe(25);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('mixes hostile records into every stream with --hostile, and refuses a share outside [0, 1]', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'simulator', '--port', '0', '--records', '40', '--hostile', '1'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let output = '';
      child.stdout.setEncoding('utf8');
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          output += chunk;
          if (output.includes('Ctrl+C')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited early (${code}): ${output}`)));
      });
      expect(output).toContain('hostile share 1');
      const url = /SEI_BASE_URL=(\S+)/.exec(output)?.[1];
      const key = /SEI_API_KEY=(\S+)/.exec(output)?.[1];
      const response = await fetch(`${url}/v1/jira_issues/list?there_is_no_cache=true`, {
        method: 'POST',
        headers: { authorization: `APIKEY ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ page: 0, page_size: 100 }),
      });
      const text = await response.text();
      // Every record is hostile: NUL and lone surrogates travel as JSON escapes.
      expect(text).toMatch(/\\u0000/);
      expect(text).toMatch(/\\ud83d(?!\\ud[c-f])/i);
      expect((JSON.parse(text) as { count: number }).count).toBe(40);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const refused = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'simulator', '--hostile', '2'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
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
