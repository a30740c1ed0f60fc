import { describe, expect, it } from 'vitest';
import { errorDocument, JSON_SCHEMA_VERSION, streamResultJson } from '../../../src/commands/json-output.js';
import { zeroCounts } from '../../../src/sync/counts.js';

describe('json output', () => {
  it('an error document keeps a stable code when the error has one, and only its first line', () => {
    const coded = Object.assign(new Error('database is not migrated\nstack-ish detail'), {
      code: 'SEI_SYNC_ERR_SCHEMA_MISSING',
    });
    expect(errorDocument('status', coded)).toEqual({
      schema: JSON_SCHEMA_VERSION,
      command: 'status',
      ok: false,
      error: { code: 'SEI_SYNC_ERR_SCHEMA_MISSING', message: 'database is not migrated' },
    });
    expect(errorDocument('sync', 'plain text').error).toEqual({
      code: 'SEI_SYNC_ERR_COMMAND',
      message: 'plain text',
    });
  });

  it('every stream result has the same fields, null where they do not apply', () => {
    const notRun = streamResultJson({ stream: 'org_units', status: 'not_run', reason: 'stopped' });
    const failed = streamResultJson({
      stream: 'org_units',
      status: 'failed',
      counts: zeroCounts(),
      durationMs: 5,
      error: { code: 'SEI_ERR_AUTH', message: 'bad key', retryable: false },
    });
    expect(Object.keys(notRun)).toEqual(Object.keys(failed));
    expect(notRun).toMatchObject({ durationMs: null, counts: null, error: null, reason: 'stopped' });
    expect(failed).toMatchObject({ reason: null, error: { code: 'SEI_ERR_AUTH', retryable: false } });
  });
});
