import { describe, expect, it } from 'vitest';
import { verifyCell } from '../../../src/commands/status.js';
import { bucketLabel } from '../../../src/commands/verify-output.js';

describe('verify output', () => {
  it('labels calendar months by month, the stretch before the first month as such, others by both ends', () => {
    expect(bucketLabel('2024-03-01T00:00:00.000Z', '2024-04-01T00:00:00.000Z')).toBe('2024-03');
    expect(bucketLabel('1970-01-01T00:00:00.000Z', '2023-02-01T00:00:00.000Z')).toBe('before 2023-02');
    expect(bucketLabel('2024-03-01T00:00:00.000Z', '2024-03-16T12:00:00.000Z')).toBe(
      '2024-03-01T00:00:00Z → 2024-03-16T12:00:00Z',
    );
    expect(bucketLabel(null, null)).toBe('whole list');
  });

  it('makes a stream whose last verify differs stand out in status', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    const base = { runId: 'r', at: '2026-01-10T10:00:00Z', healed: 0, lastCleanAt: null };
    expect(verifyCell({ ...base, status: 'differs', differing: 3 }, now)).toBe('3 buckets DIFFER 2 h ago');
    expect(verifyCell({ ...base, status: 'clean', differing: 0 }, now)).toBe('clean 2 h ago');
    expect(verifyCell({ ...base, status: 'clean', differing: 0, healed: 2 }, now)).toBe(
      'healed 2, clean 2 h ago',
    );
    expect(verifyCell(null, now)).toBe('');
  });
});
