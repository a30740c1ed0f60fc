import net from 'node:net';

export interface TestServices {
  /** An admin URL: tests create and drop their own databases through it. */
  databaseUrl: string;
  redisUrl: string;
  description: string;
  stop: () => Promise<void>;
}

const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

function reachable(url: string, timeoutMs = 2000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function fromContainers(): Promise<TestServices | undefined> {
  if (process.env.TEST_NO_CONTAINERS === 'true') return undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    // Throws at once when no Docker/Podman runtime answers (the case on machines without a daemon).
    await getContainerRuntimeClient();
  } catch {
    return undefined;
  }
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { RedisContainer } = await import('@testcontainers/redis');
  const [postgres, redis] = await Promise.all([
    new PostgreSqlContainer('postgres:16-alpine').withDatabase('postgres').start(),
    new RedisContainer('redis:7-alpine')
      .withCommand(['redis-server', '--maxmemory-policy', 'noeviction'])
      .start(),
  ]);
  return {
    databaseUrl: postgres.getConnectionUri(),
    redisUrl: redis.getConnectionUrl(),
    description: 'PostgreSQL and Redis from testcontainers',
    stop: async () => {
      await Promise.all([postgres.stop(), redis.stop()]);
    },
  };
}

export async function resolveTestServices(): Promise<TestServices> {
  const envDatabase = process.env.TEST_DATABASE_URL;
  const envRedis = process.env.TEST_REDIS_URL;
  if (envDatabase && envRedis) {
    return {
      databaseUrl: envDatabase,
      redisUrl: envRedis,
      description: 'from TEST_DATABASE_URL and TEST_REDIS_URL',
      stop: async () => {},
    };
  }
  const containers = envDatabase || envRedis ? undefined : await fromContainers();
  if (containers) return containers;
  const databaseUrl = envDatabase ?? LOCAL_DATABASE_URL;
  const redisUrl = envRedis ?? LOCAL_REDIS_URL;
  const [dbOk, redisOk] = await Promise.all([reachable(databaseUrl), reachable(redisUrl)]);
  const missing = [
    dbOk ? undefined : `PostgreSQL at ${new URL(databaseUrl).host}`,
    redisOk ? undefined : `Redis at ${new URL(redisUrl).host}`,
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(
      `No test services: ${missing.join(' and ')} not reachable and no container runtime; ` +
        'start them, run Docker, or set TEST_DATABASE_URL and TEST_REDIS_URL.',
    );
  }
  return {
    databaseUrl,
    redisUrl,
    description: `local services (${databaseUrl.replace(/\/\/[^@]*@/, '//')}, ${redisUrl})`,
    stop: async () => {},
  };
}
