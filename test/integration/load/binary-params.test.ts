/**
 * Binary `text[]` parameters: PostgreSQL reads them as the same arrays as node-postgres's text
 * literals of the same values, whatever the elements hold.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { binaryTextArray } from '../../../src/load/binary-params.js';

const CASES: (string | null)[][] = [
  [],
  ['LFE-1'],
  ['7', 'LFE-893', ''],
  ['a,b', '{x}', '"quoted"', 'back\\slash', 'NULL', ' spaced ', 'tab\there', 'line\nbreak'],
  ['é', 'naïve', '日本語', '😀 emoji'],
  ['lone \ud800 surrogate'],
  [null, 'after a null', null],
  ['x'.repeat(5000), `7\u001fLFE-1`],
];

describe('binaryTextArray', () => {
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
  });

  it('is read as the array node-postgres sends as text', async () => {
    for (const values of CASES) {
      const { rows } = await client.query<{ binary: (string | null)[]; same: boolean; n: number }>(
        'SELECT $1::text[] AS binary, $1::text[] IS NOT DISTINCT FROM $2::text[] AS same, cardinality($1::text[]) AS n',
        [binaryTextArray(values), values],
      );
      expect(rows[0]!.same, JSON.stringify(values).slice(0, 80)).toBe(true);
      expect(rows[0]!.n).toBe(values.length);
    }
  });

  it('unnests alongside another binary array, as the key probe does', async () => {
    const { rows } = await client.query<{ a: string; b: string }>(
      'SELECT a, b FROM unnest($1::text[], $2::text[]) AS k(a, b) ORDER BY b',
      [binaryTextArray(['7', '8']), binaryTextArray(['K-1', 'K-2'])],
    );
    expect(rows).toEqual([
      { a: '7', b: 'K-1' },
      { a: '8', b: 'K-2' },
    ]);
  });
});
