import { spawn } from 'node:child_process';
import { prepareTestServer, SERVER_ENV, TEMPLATE_ENV } from './helpers/database.js';

// `npm test`: one PostgreSQL server and one migrated template for the whole run, then tap.
// Embedded PostgreSQL unless DATABASE_URL names a server.
const server = await prepareTestServer();
const code = await new Promise<number>((resolve) => {
  const child = spawn('npx', ['tap', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [SERVER_ENV]: server.maintenanceUrl, [TEMPLATE_ENV]: server.template },
  });
  child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
});
await server.cleanup();
process.exit(code);
