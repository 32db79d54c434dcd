import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { openRuntime } from './runtime.js';
import { seedCompounds } from '../seeds/seed.js';
import { exitWithError } from './cli/fail.js';
import path from 'node:path';
import { DEMO_TOKENS_FILE, demoTokens, loadDemoData } from './demo.js';
import { startBillingSchedule } from './billing/schedule.js';
import { startWebhookDelivery } from './webhooks/delivery.js';

// Listens and shuts down; everything else is in app.ts.
try {
  const config = loadConfig();
  const runtime = await openRuntime(config);
  const demo = runtime.embedded !== undefined;
  if (demo) {
    await seedCompounds(runtime.db);
    if (runtime.embedded?.created) await loadDemoData(runtime);
  }
  const tokens = demo ? await demoTokens(runtime.db, config.dataDir) : undefined;
  const adminToken = config.adminToken ?? tokens?.admin;
  const app = await buildApp({
    config: { ...config, adminToken },
    db: runtime.db,
    pool: runtime.pool,
    // A person at a terminal reads one pretty line per event; anything else (a file, a collector) gets JSON.
    logger: {
      level: config.logLevel,
      ...(process.stdout.isTTY
        ? {
            transport: {
              target: 'pino-pretty',
              options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,reqId', singleLine: true },
            },
          }
        : {}),
    },
    // The demo's terminal shows its tokens and what goes wrong, not two lines per request.
    requestLogLevel: demo ? 'debug' : 'info',
  });

  const schedule = config.billingSchedule ? startBillingSchedule(config.billingSchedule, runtime, app.log) : undefined;
  // Webhook delivery runs in every service process (graphile-worker shares the work between them).
  const webhooks = await startWebhookDelivery({ db: runtime.db, pool: runtime.pool, logger: app.log });

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    schedule?.stop();
    // Lets the deliveries under way finish; the rest stay queued in the database for the next start.
    await webhooks.stop();
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    await runtime.close();
  });

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await webhooks.stop();
    await runtime.close();
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${config.port} on ${config.host} is already in use (set PORT to another port)`);
    if (code === 'EACCES') throw new Error(`not allowed to listen on ${config.host}:${config.port}`);
    throw error;
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const lines = [
    '',
    `  Heat-pump billing is serving at ${base}`,
    `  API docs:      ${base}/docs`,
    `  Resident page: ${base}/app/       (sign in with a resident token)`,
    `  Console:       ${base}/console/   (sign in with an operator or admin token)`,
    `  Database:      ${demo ? `embedded PostgreSQL in ${runtime.embedded?.clusterDir}` : 'DATABASE_URL'}`,
  ];
  if (!config.adminToken && adminToken) lines.push(`  Admin token:   ${adminToken}   (demo; set ADMIN_TOKEN to choose it)`);
  if (!adminToken) lines.push('  No ADMIN_TOKEN set: admin routes are closed.');
  if (tokens) {
    if (tokens.operator) lines.push(`  Operator token: ${tokens.operator}   (demo provider)`);
    if (tokens.resident) lines.push(`  Resident token: ${tokens.resident}   (demo account ${tokens.residentAccountId})`);
    lines.push(`  The same tokens at every start; kept in ${path.join(config.dataDir, DEMO_TOKENS_FILE)} (owner-only).`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
} catch (error) {
  exitWithError(error);
}
