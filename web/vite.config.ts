import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = path.join(root, 'dist');

/**
 * Writes `.br` and `.gz` beside every emitted text file, so @fastify/static (preCompressed) sends
 * them to browsers that accept them instead of compressing on every request.
 */
function precompress(): Plugin {
  return {
    name: 'heatpump:precompress',
    apply: 'build',
    async writeBundle(_options, bundle) {
      const texts = Object.keys(bundle).filter((file) => /\.(js|css|html|svg|json)$/.test(file));
      await Promise.all(
        texts.map(async (file) => {
          const source = await readFile(path.join(outDir, file));
          await writeFile(path.join(outDir, `${file}.gz`), gzipSync(source, { level: 9 }));
          const brotli = brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
          await writeFile(path.join(outDir, `${file}.br`), brotli);
        }),
      );
    },
  };
}

/** The resident page (/app/) and the operator console (/console/), built into web/dist. */
export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    manifest: 'manifest.json',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: { app: path.join(root, 'app/index.html'), console: path.join(root, 'console/index.html') },
      // What both pages load (Preact, the API client, the shared styles) as one chunk named for it.
      output: { codeSplitting: { groups: [{ name: 'shared', test: /node_modules[\\/]preact|web[\\/]shared/ }] } },
    },
  },
  plugins: [precompress()],
});
