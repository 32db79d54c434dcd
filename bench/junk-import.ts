/**
 * Junk CSV benchmark: how fast `POST /v1/readings/import` refuses an upload of junk, and whether the
 * service stays responsive meanwhile.
 *
 *   npx tsx bench/junk-import.ts [--rows 1000000] [--repeat 5] [--url http://127.0.0.1:3000 --token <admin or operator token>]
 *
 * Without --url it starts the real app itself (bench/api-server.ts, in a child process so that this
 * load generator never shares its event loop) on DATABASE_URL's server (a scratch database, dropped
 * after) or an embedded PostgreSQL in a temporary directory. The upload is the header and `--rows`
 * rows of `x,y,z` (every row invalid: readAt and value), sent `--repeat` times. While each upload
 * runs, one client asks `GET /health` back to back. Prints each upload's time to the 422 (status
 * line received) with the errors listed and omitted, and /health latency with no upload and during
 * the uploads (max, p99, p50), beside this script's own event loop delay (a stall of the load
 * generator would show as a slow /health without being the server's).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ServerPorts } from './api-server.js';
import { integerArg, openScratchDatabase, type ScratchDatabase } from './scratch.js';

const ROWS = integerArg('--rows', 1_000_000, 1);
const REPEAT = integerArg('--repeat', 5, 1);
const stringArg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const log = (message: string) => process.stdout.write(`${message}\n`);
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

interface Answer {
  status: number;
  /** ms from the first byte sent to the status line, and to the end of the body. */
  headersMs: number;
  totalMs: number;
  body: string;
}

function request(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let headersMs = 0;
    const req = http.request(new URL(path, base), { method, headers, agent }, (res) => {
      headersMs = performance.now() - started;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headersMs, totalMs: performance.now() - started, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function junkCsv(rows: number): Buffer {
  const header = 'meterSerial,readAt,value\n';
  const row = Buffer.from('x,y,z\n');
  const csv = Buffer.allocUnsafe(header.length + rows * row.length);
  csv.write(header);
  for (let i = 0; i < rows; i += 1) row.copy(csv, header.length + i * row.length);
  return csv;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
const ms = (value: number) => `${value.toFixed(1)} ms`;

function latencies(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const figures = `max ${ms(sorted.at(-1) ?? 0)}, p99 ${ms(percentile(sorted, 99))}, p50 ${ms(percentile(sorted, 50))}`;
  return `${label}: ${sorted.length} requests, ${figures}`;
}

/** GET /health back to back until `until` settles; the latency of each. */
async function pingHealth(base: string, until: Promise<unknown>): Promise<number[]> {
  const state = { done: false };
  void until.finally(() => {
    state.done = true;
  });
  const samples: number[] = [];
  while (!state.done) {
    const answer = await request(base, 'GET', '/health', {});
    if (answer.status !== 200) throw new Error(`/health answered ${answer.status}`);
    samples.push(answer.totalMs);
  }
  return samples;
}

/** The real app in a child process of its own (see bench/api-server.ts). */
async function startApp(url: string, adminToken: string): Promise<{ server: ChildProcess; base: string }> {
  const server = fork(new URL('./api-server.ts', import.meta.url), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_DATABASE_URL: url, BENCH_ADMIN_TOKEN: adminToken, BENCH_POOL_SIZE: '20' },
  });
  const exited = once(server, 'exit').then(([code]) => {
    throw new Error(`bench/api-server.ts exited with ${String(code)} before listening`);
  });
  const [ports] = (await Promise.race([once(server, 'message'), exited])) as [ServerPorts];
  exited.catch(() => {});
  return { server, base: `http://127.0.0.1:${ports.appPort}` };
}

async function main(): Promise<void> {
  let base = stringArg('--url');
  let token = stringArg('--token');
  let scratch: ScratchDatabase | undefined;
  let server: ChildProcess | undefined;
  if (base === undefined || token === undefined) {
    token = `bench-admin-${randomBytes(12).toString('hex')}`;
    scratch = await openScratchDatabase('junk', { log });
    ({ server, base } = await startApp(scratch.url, token));
  }
  try {
    const csv = junkCsv(ROWS);
    log(`junk CSV: ${ROWS.toLocaleString('en')} rows of x,y,z, ${(csv.length / 1024 / 1024).toFixed(1)} MiB`);

    // Warm up (JIT, keep-alive sockets), then /health on its own for a second.
    await request(base, 'POST', '/v1/readings/import', { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, junkCsv(2000));
    const idle = await pingHealth(base, new Promise((resolve) => setTimeout(resolve, 1000)));

    const during: number[] = [];
    const answers: Answer[] = [];
    const clientLoop = monitorEventLoopDelay({ resolution: 5 });
    for (let run = 0; run < REPEAT; run += 1) {
      const upload = request(
        base,
        'POST',
        '/v1/readings/import',
        { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': String(csv.length) },
        csv,
      );
      clientLoop.enable();
      const [answer, samples] = await Promise.all([upload, pingHealth(base, upload)]);
      clientLoop.disable();
      answers.push(answer);
      during.push(...samples);
      const problem = JSON.parse(answer.body) as { detail?: string; errors?: unknown[]; errorsOmitted?: number };
      log(
        `run ${run + 1}: ${answer.status} in ${ms(answer.headersMs)}, ${problem.errors?.length ?? 0} errors listed, ` +
          `errorsOmitted ${problem.errorsOmitted ?? 0}; /health max ${ms(Math.max(...samples))} over ${samples.length} requests`,
      );
      if (run === 0) log(`detail: ${problem.detail ?? ''}`);
      if (answer.status !== 422) throw new Error(`expected 422, got ${answer.status}`);
    }
    const times = answers.map((a) => a.headersMs).sort((a, b) => a - b);
    log(`time to the 422: median ${ms(percentile(times, 50))}, max ${ms(times.at(-1) ?? 0)} over ${REPEAT} uploads`);
    log(latencies('/health idle', idle));
    log(latencies('/health during the uploads', during));
    log(`this script's own event loop delay during the uploads: max ${ms(clientLoop.max / 1e6)}`);
  } finally {
    agent.destroy();
    if (server) {
      server.send('close');
      await once(server, 'exit');
    }
    await scratch?.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
