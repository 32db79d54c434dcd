import { loadConfig } from '../config.js';
import { openRuntime } from '../runtime.js';
import { exitWithError } from './fail.js';

// `npm run migrate`: openRuntime applies pending migrations; a failed one exits non-zero naming the file.
try {
  const runtime = await openRuntime(loadConfig());
  const applied = await runtime.db.selectFrom('schema_migrations' as never).select('name' as never).execute();
  process.stdout.write(`migrations applied: ${applied.length}\n`);
  await runtime.close();
} catch (error) {
  exitWithError(error);
}
