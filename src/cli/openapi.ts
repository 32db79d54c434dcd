/**
 * Prints the OpenAPI document the app serves at /openapi.json, without a database (the pool is
 * never asked for a connection): `npm run lint:api` lints it, the pages' API types are generated from it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createDatabase } from '../db/pool.js';
import { exitWithError } from './fail.js';

try {
  const { db, pool } = createDatabase('postgres://openapi@127.0.0.1:1/openapi');
  const app = await buildApp({ config: { ...loadConfig({}), adminToken: undefined, logLevel: 'silent' }, db, pool });
  await app.ready();
  const document = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  const out = process.argv[2];
  if (out) {
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, document);
  } else process.stdout.write(document);
  await app.close();
  await db.destroy();
} catch (error) {
  exitWithError(error);
}
