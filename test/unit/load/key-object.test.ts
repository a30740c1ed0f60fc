/** Key objects: exactly what `Object.fromEntries` over the key columns gave, without its arrays. */
import { describe, expect, it } from 'vitest';
import { keyObjectOf } from '../../../src/load/key-object.js';

describe('keyObjectOf', () => {
  const key = ['integration_id', 'issue_key'];
  const row = { raw: { a: 1 }, issue_key: 'LFE-1', summary: 's', integration_id: '7' };

  it('takes the key columns only, in key order', () => {
    const built = keyObjectOf(key, { missingAsNull: false })(row);
    expect(built).toStrictEqual({ integration_id: '7', issue_key: 'LFE-1' });
    expect(Object.keys(built)).toEqual(key);
  });

  it('keeps a missing value as the row has it, or makes it null for JSON', () => {
    expect(keyObjectOf(key, { missingAsNull: false })({ issue_key: 'K' })).toStrictEqual({
      integration_id: undefined,
      issue_key: 'K',
    });
    expect(JSON.stringify(keyObjectOf(key, { missingAsNull: true })({ issue_key: 'K' }))).toBe(
      '{"integration_id":null,"issue_key":"K"}',
    );
  });

  it('compiles once per key list', () => {
    expect(keyObjectOf(key, { missingAsNull: true })).toBe(keyObjectOf(key, { missingAsNull: true }));
  });

  it('makes __proto__ an own property, not the prototype', () => {
    const built = keyObjectOf(['__proto__'], { missingAsNull: true })(JSON.parse('{"__proto__": "x"}'));
    expect(Object.getPrototypeOf(built)).toBe(Object.prototype);
    expect(JSON.stringify(built)).toBe('{"__proto__":"x"}');
  });
});
