import { describe, expect, it } from 'vitest';
import { SeiError } from '../../../src/extract/index.js';
import { evidenceOf, orderOf, refused } from '../../../src/probe/session.js';

const error = (status: number, message = `SEI answered ${status} on POST /v1/x/list page 0`) =>
  new SeiError({ code: 'SEI_ERR_SERVER', message, status, method: 'POST', path: '/v1/x/list', page: 0 });

describe('probe session helpers', () => {
  it('reads the order of instants, ties aside', () => {
    expect(orderOf([1, 1, 2, 3, 3])).toBe('asc');
    expect(orderOf([3, 2, 2, 1])).toBe('desc');
    expect(orderOf([1, 3, 2])).toBe('none');
    expect(orderOf([5, 5])).toBe('flat');
    expect(orderOf([])).toBe('flat');
  });

  it('tells a request the server refuses from a key refused or a server that did not answer', () => {
    expect(refused({ request: 'r', error: error(500) })).toBe(true);
    expect(refused({ request: 'r', error: error(400) })).toBe(true);
    for (const status of [401, 403, 429, 503])
      expect(refused({ request: 'r', error: error(status) })).toBe(false);
    expect(refused({ request: 'r' })).toBe(false);
  });

  it("quotes the server's reason, cut short, after the request", () => {
    const said = `class java.lang.Integer cannot be cast to class java.lang.String ${'x'.repeat(100)}`;
    const evidence = evidenceOf({
      request: 'page_size=1',
      error: error(500, `SEI answered 500 on X: "${said}"; try`),
    });
    expect(evidence).toMatch(
      /^page_size=1 → 500 "class java.lang.Integer cannot be cast to class java.lang.String x+…"$/,
    );
    expect(evidence.length).toBeLessThan(120);
  });
});
