import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { openRuntime } from '../runtime.js';
import { seedCompounds } from '../../seeds/seed.js';
import path from 'node:path';
import { DEMO_TOKENS_FILE, demoTokens, loadDemoData } from '../demo.js';
import { exitWithError } from './fail.js';

const program = new Command()
  .name('seed')
  .description('Load the eleven compounds (idempotent); --demo adds demo households with a season of readings')
  .option('--demo', 'also load demo households, meters, accounts and readings', false)
  .parse();

try {
  const config = loadConfig();
  const runtime = await openRuntime(config);
  const { compoundsCreated } = await seedCompounds(runtime.db);
  process.stdout.write(`compounds created: ${compoundsCreated}\n`);
  if (program.opts<{ demo: boolean }>().demo) {
    const { households, invoices } = await loadDemoData(runtime);
    process.stdout.write(`demo households created: ${households}, invoices issued: ${invoices}\n`);
    // What `npm start` prints for its embedded demo, for a demo on a PostgreSQL server (docker compose with DEMO=1).
    const tokens = await demoTokens(runtime.db, config.dataDir);
    if (tokens.operator) process.stdout.write(`demo operator token: ${tokens.operator}\n`);
    if (tokens.resident) process.stdout.write(`demo resident token: ${tokens.resident} (account ${tokens.residentAccountId})\n`);
    process.stdout.write(`the same tokens at every run; kept in ${path.join(config.dataDir, DEMO_TOKENS_FILE)} (owner-only)\n`);
  }
  await runtime.close();
} catch (error) {
  exitWithError(error);
}
