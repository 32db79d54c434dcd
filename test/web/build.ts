import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { WEB_DIST } from '../../src/web/plugin.js';

/** Vite's manifest: one entry per page, chunk per chunk. */
interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

function manifest(): Record<string, ManifestChunk> {
  const file = path.join(WEB_DIST, 'manifest.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: npm test builds the pages (npm run build:web) before the tests`);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, ManifestChunk>;
}

export interface BuiltPage {
  /** URLs of every script the page can load: its entry, static imports and lazy chunks. */
  scripts: string[];
  /** Bytes of those scripts, raw and gzipped (level 9). */
  rawBytes: number;
  gzipBytes: number;
}

/** What a page of the build loads, measured from the files themselves. */
export function builtPage(page: 'app' | 'console'): BuiltPage {
  const chunks = manifest();
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    const chunk = chunks[key];
    if (!chunk) throw new Error(`manifest has no chunk ${key}`);
    seen.add(key);
    for (const next of [...(chunk.imports ?? []), ...(chunk.dynamicImports ?? [])]) visit(next);
  };
  visit(`${page}/index.html`);
  const files = [...seen].map((key) => chunks[key]!.file).filter((file) => file.endsWith('.js'));
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const full = path.join(WEB_DIST, file);
    rawBytes += statSync(full).size;
    gzipBytes += gzipSync(readFileSync(full), { level: 9 }).length;
  }
  return { scripts: files.map((file) => `/${file}`), rawBytes, gzipBytes };
}
