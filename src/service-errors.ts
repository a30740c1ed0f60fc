import { SYNC_ERROR_CODES } from './errors.js';
/**
 * Failures to reach PostgreSQL or Redis as one line that says which service, at which address (never
 * a password) and what to do. Drivers say `connect ECONNREFUSED 127.0.0.1:5999` or `Connection is
 * closed.`; a user needs to know it is the database, and to start it or fix DATABASE_URL.
 */

export type ServiceName = 'PostgreSQL' | 'Redis';

/** What to fix for each service when its address is wrong. */
const SETTING: Record<ServiceName, string> = { PostgreSQL: 'DATABASE_URL', Redis: 'REDIS_URL' };

/** A service the command needs could not be used; retrying later may help. */
export class ServiceUnavailableError extends Error {
  readonly code = SYNC_ERROR_CODES.unavailable;
  readonly retryable = true;
  constructor(
    readonly service: ServiceName,
    readonly address: string,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceUnavailableError';
  }
}

/** `host:port/db` of a URL, without user or password; `redis://:pw@h:6379/2` → `h:6379/2`. */
export function serviceAddress(url: string): string {
  try {
    const parsed = new URL(url);
    const path = parsed.pathname.length > 1 ? parsed.pathname : '';
    return `${parsed.host}${path}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Socket codes meaning nothing answered at the address. */
const CONNECT_CAUSES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host (DNS)',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

function fieldOf(error: unknown, field: string): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const value = (error as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

/** The database name in a PostgreSQL address (`h:5432/db` → `db`). */
function databaseName(address: string): string {
  return address.split('/')[1] ?? 'sei';
}

/**
 * The one-line error for a connection failure of `service` at `address`, or undefined when `error` is
 * not about reaching the service (a SQL error, say: the caller keeps it as it is).
 */
export function describeServiceError(
  service: ServiceName,
  address: string,
  error: unknown,
): ServiceUnavailableError | undefined {
  if (error instanceof ServiceUnavailableError) return error;
  const code = fieldOf(error, 'code');
  const message = error instanceof Error ? error.message : String(error);
  const at = `${service} at ${address}`;
  const setting = SETTING[service];
  const make = (text: string) => new ServiceUnavailableError(service, address, text);
  if (code !== undefined && Object.hasOwn(CONNECT_CAUSES, code))
    return make(
      `cannot reach ${at}: ${CONNECT_CAUSES[code]} (${code}); start ${service} or fix ${setting}, then rerun`,
    );
  if (
    service === 'Redis' &&
    /Connection is closed|max retries per request|Reached the max retries/i.test(message)
  )
    return make(
      `lost the connection to ${at} (${message.replace(/\.$/, '')}); check that Redis is running and ${setting}, then rerun`,
    );
  if (service !== 'PostgreSQL') return undefined;
  switch (code) {
    case '3D000':
      return make(
        `${at}: database "${databaseName(address)}" does not exist; create it (\`createdb ${databaseName(address)}\`), then run \`sei-sync migrate\``,
      );
    case '57P01':
    case '57P02':
      return make(
        `${at} ended the session (${code}: terminated by a shutdown, a restart or an administrator); rerun to resume from the last committed page`,
      );
    case '57P03':
      return make(
        `${at} is shutting down or starting up (${code}); rerun to resume from the last committed page`,
      );
    case '53300':
      return make(
        `${at} has no free connection slot (53300 too many clients); lower WORKER_CONCURRENCY or the number of workers, or raise max_connections`,
      );
    case '28P01':
    case '28000':
      return make(`${at} refused the login (${code}): check the user and password in ${setting}`);
  }
  if (/client password must be a string|password authentication failed.*no password/i.test(message))
    return make(
      `${at} asks for a password and ${setting} has none: put it in the URL (postgres://user:PASSWORD@host/db) or set PGPASSWORD`,
    );
  if (/Connection terminated unexpectedly|Connection terminated due to connection timeout/i.test(message))
    return make(
      `lost the connection to ${at} (${message}); check that PostgreSQL is running, then rerun to resume`,
    );
  return undefined;
}

/** Whether an error (of ioredis or BullMQ) is about reaching Redis rather than a command's result. */
export function isRedisConnectionError(error: unknown): boolean {
  return describeServiceError('Redis', '', error) !== undefined;
}
