/**
 * Every default docs/configuration.md documents equals the constant its "defined in" column names, and
 * the README's short table agrees with the reference. A constant the map below does not know fails
 * the test: a new documented default is wired here, so docs and code cannot drift apart unseen.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_DEFAULTS } from '../../src/commands/demo.js';
import { DEFAULTS, PAGE_WRITERS, PAGES_IN_HAND } from '../../src/config.js';
import { DORA_DEFAULTS } from '../../src/dora/defaults.js';
import { RENORMALIZE_DEFAULTS } from '../../src/renormalize/renormalize.js';
import { STREAM_NAMES } from '../../src/streams/types.js';
import { V2_DEFAULTS } from '../../src/v2/settings.js';
import { WORKER_DEFAULTS } from '../../src/worker-config.js';

const CONSTANTS: Record<string, Record<string, unknown>> = {
  DEFAULTS,
  PAGE_WRITERS,
  PAGES_IN_HAND,
  WORKER_DEFAULTS,
  RENORMALIZE_DEFAULTS,
  DEMO_DEFAULTS,
  DORA_DEFAULTS,
  V2_DEFAULTS,
};

/** The value of `NAME.key` (or of a whole constant), or undefined when the map does not know it. */
function constantValue(name: string): { value: unknown } | undefined {
  if (name === 'STREAM_NAMES') return { value: STREAM_NAMES };
  const [constant = '', key] = name.split('.');
  const object = CONSTANTS[constant];
  if (!object || key === undefined || !(key in object)) return undefined;
  return { value: object[key] };
}

/** How the docs write a value. */
function asDocumented(value: unknown): string {
  if (value === STREAM_NAMES) return 'every stream';
  return String(value);
}

interface Row {
  cells: Record<string, string>;
  line: number;
}

/** The rows of every table with all of `columns` in its header, cells by column name. */
function tables(path: string, columns: string[]): Row[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const rows: Row[] = [];
  let header: string[] | undefined;
  lines.forEach((text, index) => {
    if (!text.startsWith('|')) {
      header = undefined;
      return;
    }
    const cells = text
      .slice(1, text.endsWith('|') ? -1 : undefined)
      .split('|')
      .map((cell) => cell.trim());
    if (header === undefined) {
      header = columns.every((column) => cells.includes(column)) ? cells : [];
      return;
    }
    if (header.length === 0 || cells.every((cell) => /^-*$/.test(cell))) return;
    const named = header;
    rows.push({
      cells: Object.fromEntries(named.map((column, k) => [column, cells[k] ?? ''])),
      line: index + 1,
    });
  });
  return rows;
}

const ticked = (cell: string) => [...cell.matchAll(/`([^`]*)`/g)].map((match) => match[1] ?? '');

/** `WORKER_DEFAULTS.opsPort` / `.opsHost` → both full names. */
function constantNames(cell: string): string[] {
  let base = '';
  return ticked(cell).map((name) => {
    if (name.startsWith('.')) return `${base}${name}`;
    base = name.includes('.') ? name.slice(0, name.indexOf('.')) : name;
    return name;
  });
}

/** The documented values: the backticked ones, else the cell's words (`every stream`). */
const documentedValues = (cell: string) => {
  const values = ticked(cell);
  return values.length > 0 ? values : [cell];
};

const REFERENCE = 'docs/configuration.md';
const referenceRows = tables(REFERENCE, ['default', 'defined in']);

describe('documented defaults', () => {
  it('reads the reference tables', () => {
    expect(referenceRows.filter((row) => row.cells['defined in'] !== '').length).toBeGreaterThan(20);
  });

  it('each default in docs/configuration.md equals the constant it names', () => {
    const problems: string[] = [];
    for (const { cells, line } of referenceRows) {
      const names = constantNames(cells['defined in'] ?? '');
      if (names.length === 0) continue;
      const documented = documentedValues(cells.default ?? '');
      if (documented.length !== names.length)
        problems.push(
          `${REFERENCE}:${line}: ${documented.length} default(s) for ${names.length} constant(s)`,
        );
      names.forEach((name, k) => {
        const actual = constantValue(name);
        if (!actual)
          problems.push(
            `${REFERENCE}:${line}: ${name} is not in this test's map; add its module to CONSTANTS`,
          );
        else if (asDocumented(actual.value) !== documented[k])
          problems.push(
            `${REFERENCE}:${line}: documents ${documented[k]} but ${name} is ${asDocumented(actual.value)}`,
          );
      });
    }
    expect(problems).toEqual([]);
  });

  it("the README's defaults agree with the reference", () => {
    const reference = new Map(referenceRows.map((row) => [ticked(row.cells.variable ?? '')[0], row]));
    const problems: string[] = [];
    for (const { cells, line } of tables('README.md', ['variable', 'default'])) {
      const variable = ticked(cells.variable ?? '')[0];
      const row = reference.get(variable);
      if (!row) problems.push(`README.md:${line}: ${variable} is not in ${REFERENCE}`);
      else if (row.cells.default !== cells.default)
        problems.push(
          `README.md:${line}: ${variable} default ${cells.default}, ${REFERENCE} says ${row.cells.default}`,
        );
    }
    expect(problems).toEqual([]);
  });
});
