import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { projectRoot } from '../../src/shared/project.js';
import { WEB_DIST } from '../../src/web/plugin.js';

t.test('the project folder is found from src/ (tsx) and from dist/src/ (compiled) alike', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'hpb-root-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await writeFile(path.join(root, 'package.json'), '{}');
  await mkdir(path.join(root, 'dist', 'src', 'db'), { recursive: true });
  t.equal(projectRoot(path.join(root, 'src', 'db', 'migrate.ts')), root, 'from src/db/');
  t.equal(projectRoot(path.join(root, 'dist', 'src', 'db', 'migrate.js')), root, 'from dist/src/db/');
  t.throws(() => projectRoot(path.join(path.parse(root).root, 'nowhere', 'x.js')), /no package\.json/);
  t.equal(MIGRATIONS_DIR, path.resolve('db', 'migrations'), 'the migrations of this checkout');
  t.equal(WEB_DIST, path.resolve('web', 'dist'), 'the built pages of this checkout');
});
