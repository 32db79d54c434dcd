import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's folder: the nearest one above `from` that holds package.json. The server runs from
 * src/ through tsx (npm start, tests) and from dist/src/ compiled (npm run build, the Docker image):
 * the migrations and the built pages are found from here in both.
 */
export function projectRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = path.dirname(from);
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json in any folder above ${from}`);
    dir = up;
  }
  return dir;
}
