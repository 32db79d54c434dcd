import pg from 'pg';
import type { Config } from './config.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import { createDatabase, type DatabaseHandle } from './db/pool.js';

export const EMBEDDED_DATABASE = 'heatpump';

export interface Runtime extends DatabaseHandle {
  url: string;
  /** Present when no DATABASE_URL was given and an embedded PostgreSQL serves the data. */
  embedded: EmbeddedServer | undefined;
  /** The migrations this start applied (empty when none were pending). */
  migrationsApplied: string[];
  close(): Promise<void>;
}

/** A one-line, human message for the usual ways a database connection fails. */
export function describeConnectionError(url: string, error: unknown): string {
  let where = 'the database';
  try {
    const parsed = new URL(url);
    where = `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    // keep the generic wording
  }
  const err = error as { code?: string; message?: string };
  return `cannot connect to ${where}: ${err.code ?? ''}${err.code ? ' ' : ''}${err.message ?? String(error)}`.trim();
}

async function ensureDatabaseExists(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

async function checkConnection(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(describeConnectionError(url, error));
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Opens the service's database: DATABASE_URL when given, otherwise the embedded PostgreSQL kept
 * under DATA_DIR. Both are migrated here, so every entry point (server, CLI) sees the same schema.
 */
export async function openRuntime(config: Config, options: { poolSize?: number } = {}): Promise<Runtime> {
  let embedded: EmbeddedServer | undefined;
  let url: string;
  if (config.databaseUrl) {
    url = config.databaseUrl;
  } else {
    embedded = await startEmbeddedPostgres(config.dataDir);
    await ensureDatabaseExists(embedded.adminUrl, EMBEDDED_DATABASE);
    url = embedded.urlFor(EMBEDDED_DATABASE);
  }
  let migrationsApplied: string[];
  try {
    await checkConnection(url);
    migrationsApplied = await migrate(url);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  const handle = createDatabase(url, { max: options.poolSize });
  return {
    ...handle,
    url,
    embedded,
    migrationsApplied,
    async close() {
      await handle.db.destroy();
      await embedded?.stop();
    },
  };
}
