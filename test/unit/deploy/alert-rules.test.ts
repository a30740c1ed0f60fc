/**
 * The alert rules' unit tests (deploy/prometheus/alerts.test.yml) and the Prometheus configuration,
 * through promtool (Debian's `prometheus` package, installed by .ci/run). Skipped, saying so, where
 * promtool is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROMETHEUS_DIR = fileURLToPath(new URL('../../../deploy/prometheus/', import.meta.url));
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!promtool)
  console.warn('[alert rules] promtool not found: skipping (apt-get install prometheus, or run .ci/run)');

describe.skipIf(!promtool)('alert rules (promtool)', () => {
  const run = (...args: string[]) =>
    spawnSync('promtool', args, { cwd: PROMETHEUS_DIR, encoding: 'utf8', timeout: 30_000 });

  it('pass their unit tests', () => {
    const result = run('test', 'rules', 'alerts.test.yml');
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
  });

  it('and the scrape configuration that loads them are valid', () => {
    const result = run('check', 'config', 'prometheus.yml');
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(
      execFileSync('promtool', ['check', 'rules', 'alerts.yml'], { cwd: PROMETHEUS_DIR, encoding: 'utf8' }),
    ).toContain(`SUCCESS: ${alertCount()} rules found`);
  });
});

/** The alerts the rules file declares, as promtool should find them. */
function alertCount(): number {
  return (readFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8').match(/^\s*- alert:/gm) ?? []).length;
}
