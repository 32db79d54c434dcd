import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { createDatabase, type DatabaseHandle } from '../src/db/pool.js';

export interface ScratchDatabase extends DatabaseHandle {
  url: string;
  /** A temporary folder for the bench's files, removed by close(). */
  tmpDir: string;
  close(): Promise<void>;
}

/**
 * A migrated database of its own for one bench run: on an embedded PostgreSQL in a temporary
 * folder, or on DATABASE_URL's server (created there, dropped afterwards; kept with BENCH_KEEP=1, its
 * name printed, to EXPLAIN the bench's queries on its data afterwards).
 */
export async function openScratchDatabase(
  label: string,
  options: { poolSize?: number; log?: (line: string) => void } = {},
): Promise<ScratchDatabase> {
  const tmpDir = await mkdtemp(path.join(os.tmpdir(), `hpb-bench-${label}-`));
  // Run as root, the embedded server runs as a postgres user, who must reach its data folder.
  await chmod(tmpDir, 0o755);
  let stopServer = async () => {};
  let serverUrl: string;
  if (process.env.DATABASE_URL) {
    serverUrl = process.env.DATABASE_URL;
  } else {
    options.log?.('starting embedded PostgreSQL …');
    const server = await startEmbeddedPostgres(path.join(tmpDir, 'data'));
    serverUrl = server.adminUrl;
    stopServer = () => server.stop();
  }
  const name = `hpb_bench_${randomBytes(4).toString('hex')}`;
  const maintenance = new pg.Client({ connectionString: serverUrl });
  await maintenance.connect();
  await maintenance.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  const handle = createDatabase(url.toString(), { max: options.poolSize });
  return {
    ...handle,
    url: url.toString(),
    tmpDir,
    async close() {
      await handle.db.destroy();
      if (process.env.BENCH_KEEP === '1' && process.env.DATABASE_URL) {
        options.log?.(`kept database ${name}`);
        await maintenance.end();
        await rm(tmpDir, { recursive: true, force: true });
        return;
      }
      await maintenance.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await maintenance.end();
      await stopServer();
      await rm(tmpDir, { recursive: true, force: true });
    },
  };
}

/** `--name N` from the command line: an integer of at least `min`, or the fallback when absent. */
export function integerArg(name: string, fallback: number, min = 0): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} needs an integer of at least ${min}`);
  return value;
}
