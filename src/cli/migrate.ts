import { loadConfig } from '../config.js';
import { openRuntime } from '../runtime.js';
import { exitWithError } from './fail.js';

// `npm run migrate`: openRuntime applies pending migrations and says which; a failed one exits non-zero naming the file.
try {
  const runtime = await openRuntime(loadConfig());
  const applied = runtime.migrationsApplied;
  process.stdout.write(
    applied.length === 0
      ? 'no migrations pending: the database is up to date\n'
      : `applied ${applied.length} migration${applied.length === 1 ? '' : 's'}:\n${applied.map((name) => `  ${name}\n`).join('')}`,
  );
  await runtime.close();
} catch (error) {
  exitWithError(error);
}
