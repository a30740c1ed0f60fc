import { describe, expect, it } from 'vitest';
import { Redactor } from '../../../src/capture/redact.js';

const SALT = Buffer.from('a fixed salt for the test');

const issue = {
  id: '7f3c',
  key: 'LFE-100',
  integration_id: '378',
  summary: 'Checkout fails for Jane Doe',
  status: 'IN PROGRESS',
  priority: 'HIGH',
  issue_updated_at: 1664809548,
  story_points: 8,
  done: false,
  parent: null,
  assignee: 'Jane Doe',
  reporter: 'jane.doe@example.com',
  labels: ['backend', 'payments'],
  author: { id: 'u-1', display_name: 'Jane Doe', email: 'jane.doe@example.com', created_at: 1 },
  integration_user_ids: [{ integration_id: '5122', user_id: 'jane.doe@example.com' }],
  custom_fields: { customfield_10001: 'free text about a customer' },
  commit_message: 'fix: retry the payment',
};

describe('Redactor', () => {
  it('replaces names, emails, titles, summaries and messages; keeps ids, instants, numbers and enums', () => {
    const out = new Redactor(SALT).value(issue) as typeof issue;
    for (const kept of ['id', 'key', 'integration_id', 'status', 'priority', 'issue_updated_at'] as const)
      expect(out[kept]).toEqual(issue[kept]);
    expect([out.story_points, out.done, out.parent]).toEqual([8, false, null]);
    expect(out.author.id).toBe('u-1');
    expect(out.author.created_at).toBe(1);
    for (const replaced of [
      out.summary,
      out.assignee,
      out.reporter,
      out.author.display_name,
      out.author.email,
      out.commit_message,
      out.custom_fields.customfield_10001,
      ...out.labels,
    ])
      expect(JSON.stringify(issue)).not.toContain(replaced);
    expect(JSON.stringify(out)).not.toContain('Jane');
    expect(JSON.stringify(out)).not.toContain('example.com');
  });

  it('keeps types and lengths, and the shape of an email', () => {
    const out = new Redactor(SALT).value(issue) as typeof issue;
    expect(out.summary).toHaveLength(issue.summary.length);
    expect(out.summary.split(' ').map((word) => word.length)).toEqual(
      issue.summary.split(' ').map((word) => word.length),
    );
    expect(out.reporter).toHaveLength(issue.reporter.length);
    expect(out.reporter).toMatch(/^[a-z0-9]{4}\.[a-z0-9]{3}@[a-z0-9]{7}\.[a-z0-9]{3}$/);
    expect(Array.isArray(out.labels)).toBe(true);
    expect(out.labels.map((label) => label.length)).toEqual([7, 8]);
  });

  it('is stable: the same input gets the same stand-in, wherever it is', () => {
    const redactor = new Redactor(SALT);
    const out = redactor.value(issue) as typeof issue;
    expect(out.author.display_name).toBe(out.assignee);
    expect(out.author.email).toBe(out.reporter);
    // An email used as an id is replaced too, by the same stand-in: joins still hold.
    expect(out.integration_user_ids[0]?.user_id).toBe(out.reporter);
    expect(redactor.value(issue)).toEqual(out);
    // Another redactor with the same salt agrees; a new random salt does not link captures.
    expect(new Redactor(SALT).value(issue)).toEqual(out);
    expect(new Redactor().string('Jane Doe')).not.toBe(out.assignee);
  });

  it('is unique: distinct inputs get distinct stand-ins, even where the length leaves little room', () => {
    const redactor = new Redactor(SALT);
    const inputs = [
      ...Array.from({ length: 200 }, (_, n) => String.fromCharCode(0x41 + (n % 58)) + (n >= 58 ? n : '')),
      ...Array.from({ length: 500 }, (_, n) => `user ${n}`),
    ];
    const distinct = [...new Set(inputs)];
    const outs = distinct.map((input) => redactor.string(input));
    expect(new Set(outs).size).toBe(distinct.length);
    // One-character names: 36 stand-ins of length 1, then they grow by a character.
    const short = distinct.filter((input) => input.length === 1).map((input) => redactor.string(input));
    expect(Math.max(...short.map((s) => s.length))).toBeLessThanOrEqual(2);
    expect(distinct.map((input) => redactor.string(input))).toEqual(outs);
  });
});
