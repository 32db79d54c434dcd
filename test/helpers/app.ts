import { randomBytes } from 'node:crypto';
import tap, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createDatabase as openPool, type Database } from '../../src/db/pool.js';
import { createDatabase, dropDatabase, prepareTestServer, SERVER_ENV, TEMPLATE_ENV, withDatabase } from './database.js';
import { checkResponsesAgainstDocument } from './openapi-check.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

let standalone: Promise<{ maintenanceUrl: string; template: string; cleanup(): Promise<void> }> | undefined;

/** The run's server and template: from `npm test`, or prepared here for a file run on its own. */
export async function testServer() {
  const maintenanceUrl = process.env[SERVER_ENV];
  const template = process.env[TEMPLATE_ENV];
  if (maintenanceUrl && template) return { maintenanceUrl, template };
  if (!standalone) {
    standalone = prepareTestServer();
    const ready = await standalone;
    // The file's root test, not the first subtest: later subtests copy the same template.
    tap.teardown(() => ready.cleanup());
  }
  return standalone;
}

export interface TestDatabase {
  db: Database;
  pool: Pool;
  url: string;
}

/** A clean database for this test file, copied from the migrated template and dropped afterwards. */
export async function testDatabase(t: Test): Promise<TestDatabase> {
  const { maintenanceUrl, template } = await testServer();
  const name = `hpb_test_${randomBytes(6).toString('hex')}`;
  await createDatabase(maintenanceUrl, name, template);
  const url = withDatabase(maintenanceUrl, name);
  const { db, pool } = openPool(url, { max: 10 });
  t.teardown(async () => {
    await db.destroy();
    await dropDatabase(maintenanceUrl, name);
  });
  return { db, pool, url };
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), adminToken: ADMIN_TOKEN, logLevel: 'silent', ...overrides };
}

export interface TestApp extends TestDatabase {
  app: FastifyInstance;
}

/**
 * The real app on a clean real database, closed when the test file ends. Every response its
 * inject answers is checked against /openapi.json (an undocumented status, media type or body
 * shape fails the request: see openapi-check.ts).
 */
export async function testApp(t: Test, overrides: Partial<Config> = {}): Promise<TestApp> {
  const database = await testDatabase(t);
  const app = await buildApp({ config: testConfig({ ...overrides, databaseUrl: database.url }), db: database.db, pool: database.pool });
  checkResponsesAgainstDocument(app);
  t.teardown(() => app.close());
  return { ...database, app };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const admin = bearer(ADMIN_TOKEN);
