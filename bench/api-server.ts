/**
 * The servers under test of bench/api.ts, in a process of their own so that the load generator
 * never shares their event loop: the real app, the real app with its statement cache off, and a
 * bare Fastify route that runs one indexed SELECT, all on ONE pg pool. Started by bench/api.ts (and
 * bench/junk-import.ts, which uses only the real app) with BENCH_DATABASE_URL, BENCH_ADMIN_TOKEN and
 * BENCH_POOL_SIZE set; answers the ports over IPC and closes on 'close'.
 */
import Fastify from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { freePort } from '../src/db/embedded.js';
import { createDatabase } from '../src/db/pool.js';

export interface ServerPorts {
  appPort: number;
  uncachedAppPort: number;
  barePort: number;
}

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL;
  const adminToken = process.env.BENCH_ADMIN_TOKEN;
  if (!url || !adminToken || !process.send) throw new Error('bench/api-server.ts is started by bench/api.ts');
  const { db, pool } = createDatabase(url, { max: Number(process.env.BENCH_POOL_SIZE ?? 20) });
  const config = { ...loadConfig({}), adminToken, logLevel: 'silent', databaseUrl: url };
  const app = await buildApp({ config, db, pool });
  const appPort = await freePort();
  await app.listen({ port: appPort, host: '127.0.0.1' });
  const uncachedApp = await buildApp({ config: { ...config, statementCacheEntries: 0 }, db, pool });
  const uncachedAppPort = await freePort();
  await uncachedApp.listen({ port: uncachedAppPort, host: '127.0.0.1' });
  const bare = Fastify({ logger: false });
  bare.get<{ Params: { id: string } }>('/bare/:id', async (request) =>
    db.selectFrom('accounts').select(['id', 'holder_name', 'opened_on']).where('id', '=', request.params.id).executeTakeFirst(),
  );
  const barePort = await freePort();
  await bare.listen({ port: barePort, host: '127.0.0.1' });

  process.on('message', async (message) => {
    if (message !== 'close') return;
    await app.close();
    await uncachedApp.close();
    await bare.close();
    await db.destroy();
    process.disconnect();
  });
  process.send({ appPort, uncachedAppPort, barePort } satisfies ServerPorts);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
