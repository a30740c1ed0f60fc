/**
 * What may break from one Node.js version to the next (.ci/run runs the suites on Node 20, 22 and 24):
 * the one native addon in production, msgpackr's extension that BullMQ decodes job data with (a
 * prebuilt N-API binary; when it fails to load msgpackr falls back to JavaScript without a word), and
 * the embedded PostgreSQL (PGlite, WebAssembly).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const node = `Node ${process.versions.node}`;

describe(`native dependencies on ${node}`, () => {
  it('msgpackr, as BullMQ resolves it, runs with its native extension', async () => {
    const fromBullmq = createRequire(createRequire(import.meta.url).resolve('bullmq'));
    const msgpackr = (await import(fromBullmq.resolve('msgpackr'))) as {
      isNativeAccelerationEnabled: boolean;
    };
    expect(msgpackr.isNativeAccelerationEnabled).toBe(true);
  });

  it('PGlite opens an in-memory database and answers a query', async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create();
    try {
      const result = await db.query<{ answer: number }>('SELECT 6 * 7 AS answer');
      expect(result.rows).toEqual([{ answer: 42 }]);
    } finally {
      await db.close();
    }
  });
});
