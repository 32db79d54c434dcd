/**
 * Reading import benchmark: the real import service (the code path of POST /v1/readings/import)
 * against a bare `COPY readings FROM STDIN` of the same rows into the same table.
 *
 *   npx tsx bench/readings.ts [--meters 100000] [--per-meter 10] [--preload 9]
 *
 * Uses DATABASE_URL when set (a scratch database is created on that server and dropped after),
 * else an embedded PostgreSQL in a temporary directory. Creates households and meters set-wise,
 * preloads `--preload` monthly readings per meter (a season so far), writes a CSV of
 * meters × per-meter later readings to a temporary file, then:
 *   1. bare COPY of those rows (meter ids resolved beforehand) into readings, rolled back;
 *   2. the import service streaming the CSV file (parse, row checks, COPY to staging, set-wise
 *      validation, INSERT … SELECT, audit), committed.
 * Prints both times, the ratio and the peak RSS of this process.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { integerArg, openScratchDatabase } from './scratch.js';
import { csvSource } from '../src/readings/csv.js';
import { importReadings } from '../src/readings/service.js';

const arg = integerArg;

const METERS = arg('--meters', 100_000);
const PER_METER = arg('--per-meter', 10);
const PRELOAD = arg('--preload', 9);
const ROWS = METERS * PER_METER;
const HOUR = 3_600_000;
// Preloaded readings: monthly from 2025-11-01; imported ones: hourly from 2026-09-01 (local +08:00).
const IMPORT_START = Date.UTC(2026, 7, 31, 16);

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const log = (message: string) => process.stdout.write(`${message}\n`);

async function writeLines(file: string, produce: (write: (s: string) => Promise<void>) => Promise<void>): Promise<void> {
  const out = createWriteStream(file);
  let buffer = '';
  await produce(async (s) => {
    buffer += s;
    if (buffer.length >= 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  });
  out.end(buffer);
  await once(out, 'finish');
}

/** The value of meter m's k-th imported reading (after PRELOAD monthly readings of 100 units). */
function importedValue(m: number, k: number): string {
  return `${PRELOAD * 100 + (k + 1) * 10}.${String(m % 1000).padStart(3, '0')}`;
}

async function main(): Promise<void> {
  const scratch = await openScratchDatabase('readings', { poolSize: 4, log });
  const { db, pool, tmpDir: tmp } = scratch;
  try {
    const t0 = Date.now();
    const client = await pool.connect();
    let compoundId: string;
    try {
      const provider = await client.query<{ id: string }>("INSERT INTO providers (name) VALUES ('bench') RETURNING id");
      const compound = await client.query<{ id: string }>(
        "INSERT INTO compounds (code, name, district, provider_id) VALUES ('bench', 'bench 小区', '洪山区', $1) RETURNING id",
        [provider.rows[0]!.id],
      );
      compoundId = compound.rows[0]!.id;
      await client.query(
        `INSERT INTO households (compound_id, building, unit, room, area_m2)
         SELECT $1, (g / 1000)::text, '1', g::text, 90 FROM generate_series(0, $2 - 1) g`,
        [compoundId, METERS],
      );
      await client.query(
        `INSERT INTO meters (compound_id, household_id, serial, installed_at, initial_reading)
         SELECT $1, h.id, 'BM-' || h.room, '2025-10-01T00:00:00+08:00', 0 FROM households h WHERE h.compound_id = $1`,
        [compoundId],
      );
      await client.query(
        `INSERT INTO readings (compound_id, meter_id, read_at, value, source)
         SELECT $1, m.id, timestamptz '2025-11-01T00:00:00+08:00' + make_interval(months => k), (k + 1) * 100, 'automatic'
           FROM meters m CROSS JOIN generate_series(0, $2 - 1) k WHERE m.compound_id = $1`,
        [compoundId, PRELOAD],
      );
      await client.query('VACUUM ANALYZE readings');
      await client.query('ANALYZE meters');
    } finally {
      client.release();
    }
    log(`setup: ${METERS} meters, ${METERS * PRELOAD} preloaded readings in ${seconds(Date.now() - t0)} s`);

    // The CSV as an operator would upload it, and the same rows resolved for a bare COPY.
    const csvFile = path.join(tmp, 'readings.csv');
    const copyFile = path.join(tmp, 'readings.copy');
    const meterIds = new Map<number, string>();
    for (const row of await db.selectFrom('meters').select(['id', 'serial']).execute()) meterIds.set(Number(row.serial.slice(3)), row.id);
    await writeLines(csvFile, async (write) => {
      await write('meterSerial,readAt,value,source\n');
      for (let m = 0; m < METERS; m++) {
        for (let k = 0; k < PER_METER; k++) {
          await write(`BM-${m},${new Date(IMPORT_START + k * HOUR).toISOString().slice(0, 19)}Z,${importedValue(m, k)},automatic\n`);
        }
      }
    });
    await writeLines(copyFile, async (write) => {
      for (let m = 0; m < METERS; m++) {
        const id = meterIds.get(m)!;
        for (let k = 0; k < PER_METER; k++) {
          await write(`${compoundId}\t${id}\t${new Date(IMPORT_START + k * HOUR).toISOString()}\t${importedValue(m, k)}\tautomatic\n`);
        }
      }
    });
    meterIds.clear();
    const csvBytes = (await stat(csvFile)).size;
    log(`CSV: ${ROWS} rows, ${(csvBytes / 1024 / 1024).toFixed(1)} MiB`);

    // 1. Bare COPY of the same rows into the same table, rolled back.
    const bare = await pool.connect();
    let bareMs: number;
    try {
      const start = Date.now();
      await bare.query('BEGIN');
      await pipeline(
        createReadStream(copyFile),
        bare.query(copyFrom('COPY readings (compound_id, meter_id, read_at, value, source) FROM STDIN')),
      );
      bareMs = Date.now() - start;
      await bare.query('ROLLBACK');
      await bare.query('VACUUM readings');
    } finally {
      bare.release();
    }
    log(`bare COPY readings:        ${seconds(bareMs)} s (${Math.round(ROWS / (bareMs / 1000))} rows/s), rolled back`);

    // 2. The import service on the CSV file (the route's code path), committed.
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 50);
    const start = Date.now();
    const result = await importReadings(
      pool,
      { role: 'admin', actor: 'bench' },
      csvSource(createReadStream(csvFile, { highWaterMark: 256 * 1024 }), 10 * 1024 * 1024 * 1024),
      { actor: 'bench', format: 'csv', onStage: (name, ms) => log(`  ${seconds(ms).padStart(6)} s  ${name}`) },
    );
    const importMs = Date.now() - start;
    clearInterval(sampler);
    log(
      `import service (CSV file): ${seconds(importMs)} s (${Math.round(ROWS / (importMs / 1000))} rows/s), ` +
        `accepted ${result.accepted}, duplicates ${result.duplicates}`,
    );
    if (result.accepted !== ROWS) throw new Error(`expected ${ROWS} accepted`);
    log(`ratio import / bare COPY:  ${(importMs / bareMs).toFixed(2)}×`);
    const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
    log(`RSS during the import:     ${mib(rssBefore)} MiB before, ${mib(rssPeak)} MiB peak (sampled every 50 ms)`);
    log(`peak RSS of this process:  ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB (includes writing the input files)`);
  } finally {
    await scratch.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
