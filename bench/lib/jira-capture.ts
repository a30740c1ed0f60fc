/** The Jira pages of a replay capture (`npm run bench -- --replay --mix jira`), for the per-page benchmarks. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The newest Jira capture under the temporary directory (`v3-jira-...`, or `jira-...` from older code). */
export function newestJiraCapture(): string {
  const root = join(tmpdir(), 'sei-bench-replay');
  const dirs = readdirSync(root)
    .filter((name) => /^(v\d+-)?jira-/.test(name) && !name.includes('.partial'))
    .map((name) => join(root, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (dirs[0] === undefined) throw new Error('no capture: run `npm run bench -- --replay --mix jira` once');
  return dirs[0];
}

/** The capture's `jira_issues` answers, largest first (paths). */
export function jiraPageFiles(dir: string): string[] {
  const exchanges = join(dir, 'exchanges');
  return readdirSync(exchanges)
    .filter((name) => name.endsWith('-jira_issues.json'))
    .map((name) => join(exchanges, name))
    .sort((a, b) => statSync(b).size - statSync(a).size);
}

/** The body of a captured answer as the bytes SEI would send. */
export function pageBytes(file: string): Buffer {
  const exchange = JSON.parse(readFileSync(file, 'utf8')) as { response: { body: unknown } };
  return Buffer.from(JSON.stringify(exchange.response.body));
}
