/**
 * Provides PostgreSQL and Redis to every test file, in this order of preference:
 *   1. TEST_DATABASE_URL / TEST_REDIS_URL when set;
 *   2. testcontainers, when a container runtime answers;
 *   3. the local services on 127.0.0.1 (PostgreSQL 5432, Redis 6379).
 * Test files read the URLs with `inject('databaseUrl')` / `inject('redisUrl')` and isolate themselves
 * (their own database, their own BullMQ prefix: see test/support/services.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildCliForTests } from './support/cli-build.js';
import { createMigratedTemplate } from './support/pg-template.js';
import { resolveTestServices } from './support/resolve-services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    /** The run's migrated database that `createTestDatabase(..., { migrated: true })` copies. */
    migratedTemplateDatabase: string;
    /** Where support/pglite-template.ts keeps this run's fresh embedded database to copy. */
    pgliteTemplateRoot: string;
    /** The CLI compiled to JavaScript for this run's child processes (support/cli-build.ts). */
    cliPath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const services = await resolveTestServices();
  console.log(`[test services] ${services.description}`);
  project.provide('databaseUrl', services.databaseUrl);
  project.provide('redisUrl', services.redisUrl);
  const template = await createMigratedTemplate(services.databaseUrl);
  project.provide('migratedTemplateDatabase', template.name);
  const pgliteTemplateRoot = mkdtempSync(join(tmpdir(), 'sei-test-pglite-template-'));
  project.provide('pgliteTemplateRoot', pgliteTemplateRoot);
  const cli = buildCliForTests();
  project.provide('cliPath', cli.cliPath);
  return async () => {
    cli.remove();
    await template.drop();
    rmSync(pgliteTemplateRoot, { recursive: true, force: true });
    await services.stop();
  };
}
