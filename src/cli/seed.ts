import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { openRuntime } from '../runtime.js';
import { seedCompounds } from '../../seeds/seed.js';
import { loadDemoData } from '../demo.js';
import { exitWithError } from './fail.js';

const program = new Command()
  .name('seed')
  .description('Load the eleven compounds (idempotent); --demo adds demo households with a season of readings')
  .option('--demo', 'also load demo households, meters, accounts and readings', false)
  .parse();

try {
  const runtime = await openRuntime(loadConfig());
  const { compoundsCreated } = await seedCompounds(runtime.db);
  process.stdout.write(`compounds created: ${compoundsCreated}\n`);
  if (program.opts<{ demo: boolean }>().demo) {
    const { households, invoices } = await loadDemoData(runtime);
    process.stdout.write(`demo households created: ${households}, invoices issued: ${invoices}\n`);
  }
  await runtime.close();
} catch (error) {
  exitWithError(error);
}
