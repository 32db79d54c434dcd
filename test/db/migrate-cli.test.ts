import t from 'tap';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { testServer } from '../helpers/app.js';
import { createDatabase, dropDatabase, withDatabase } from '../helpers/database.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

t.test('npm run migrate names the migrations it applied, then says none are pending', async (t) => {
  const { maintenanceUrl } = await testServer();
  const name = `hpb_test_${randomBytes(6).toString('hex')}`;
  await createDatabase(maintenanceUrl, name);
  t.teardown(() => dropDatabase(maintenanceUrl, name));
  const env = { ...process.env, DATABASE_URL: withDatabase(maintenanceUrl, name), LOG_LEVEL: 'silent' };
  const migrate = () => run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/migrate.ts')], { cwd: ROOT, env });

  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  const first = await migrate();
  t.equal(first.stdout, `applied ${files.length} migrations:\n${files.map((f) => `  ${f}\n`).join('')}`);
  const again = await migrate();
  t.equal(again.stdout, 'no migrations pending: the database is up to date\n');
});
