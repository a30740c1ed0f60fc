import { describe, expect, it } from 'vitest';
import { describeServiceError, isRedisConnectionError, serviceAddress } from '../../src/service-errors.js';

const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5999`), { code });
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('describeServiceError', () => {
  it.each([
    [
      'PostgreSQL',
      systemError('ECONNREFUSED'),
      /^cannot reach PostgreSQL at h:5432\/sei: connection refused .*DATABASE_URL/,
    ],
    [
      'Redis',
      systemError('ECONNREFUSED'),
      /^cannot reach Redis at h:5432\/sei: connection refused .*REDIS_URL/,
    ],
    [
      'Redis',
      new Error('Connection is closed.'),
      /^lost the connection to Redis at .*check that Redis is running/,
    ],
    [
      'PostgreSQL',
      new Error('Connection terminated unexpectedly'),
      /^lost the connection to PostgreSQL at h:5432\/sei .*rerun to resume/,
    ],
    [
      'PostgreSQL',
      pgError('3D000', 'database "sei" does not exist'),
      /database "sei" does not exist; create it \(`createdb sei`\)/,
    ],
    [
      'PostgreSQL',
      pgError('57P01', 'terminating connection due to administrator command'),
      /ended the session \(57P01: terminated .*rerun to resume/,
    ],
    [
      'PostgreSQL',
      pgError('57P03', 'the database system is shutting down'),
      /shutting down .*rerun to resume/,
    ],
    ['PostgreSQL', pgError('53300', 'sorry, too many clients already'), /no free connection slot/],
    [
      'PostgreSQL',
      new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'),
      /asks for a password and DATABASE_URL has none/,
    ],
  ] as const)('%s: %s', (service, error, expected) => {
    const described = describeServiceError(service, 'h:5432/sei', error);
    expect(described?.message).toMatch(expected);
    expect(described?.message).not.toContain('\n');
  });

  it('leaves errors that are not about reaching the service alone', () => {
    expect(describeServiceError('PostgreSQL', 'h', pgError('23505', 'duplicate key'))).toBeUndefined();
    expect(isRedisConnectionError(new Error('WRONGTYPE Operation against a key'))).toBe(false);
    expect(isRedisConnectionError(systemError('ECONNREFUSED'))).toBe(true);
  });

  it('names an address without user or password', () => {
    expect(serviceAddress('postgres://sei:s3cret@db.internal:5432/warehouse')).toBe(
      'db.internal:5432/warehouse',
    );
    expect(serviceAddress('redis://:s3cret@cache:6379')).toBe('cache:6379');
  });
});
