/**
 * CSV uploads (`meterSerial,readAt,value[,source]`, header on line 1), parsed while streaming.
 * Malformed CSV (header, quoting) answers 400 naming the line; a row with the wrong number of
 * columns is an invalid row like any other, listed with the rest; more bytes than the
 * upload limit answers 413 as soon as the limit is passed, without buffering the body. The import
 * may stop iterating early (too many invalid rows); the rest of the body is then discarded unparsed.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
import { HttpProblem } from '../http/problem.js';
import type { ReadingField } from './rows.js';
import type { ImportSource, ReadingRow } from './service.js';

export const CSV_HEADER = ['meterSerial', 'readAt', 'value'] as const;

export function tooLarge(limit: number): HttpProblem {
  return new HttpProblem(
    413,
    `The CSV upload is larger than ${limit} bytes (${Math.round(limit / 1024 / 1024)} MiB); split it into smaller files.`,
  );
}

/**
 * The most bytes csv-parse gets at once: it parses a whole chunk synchronously (a 64 KiB chunk of
 * short junk rows is 11,000 records, tens of milliseconds), so chunks are cut into slices and the
 * event loop gets a turn between them (the import waits on the parser's backpressure).
 */
const SLICE_BYTES = 4 * 1024;

/** Passes bytes through in slices of at most SLICE_BYTES, failing with 413 once more than `limit` bytes went by. */
export function byteLimit(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) {
        callback(tooLarge(limit));
        return;
      }
      for (let at = 0; at < chunk.length; at += SLICE_BYTES) this.push(chunk.subarray(at, at + SLICE_BYTES));
      callback();
    },
  });
}

/** Reads the rest of a body and drops it; destroys it once more than `limit` bytes went by. */
function discard(body: Readable, limit: number): void {
  let seen = 0;
  body.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > limit) body.destroy();
  });
  body.resume();
}

function malformed(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof CsvError) {
    const line = (error as CsvError & { lines?: number }).lines;
    const columns = error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' || error.code === 'CSV_RECORD_INCONSISTENT_COLUMNS';
    const quoting = error.code.startsWith('CSV_QUOTE') || error.code.includes('QUOTE');
    const reason = columns
      ? { message: 'wrong number of columns (expected the same as the header)', code: 'column_count' }
      : quoting
        ? { message: 'bad quoting', code: 'csv_quoting' }
        : { message: error.message, code: 'csv_malformed' };
    const path = line === undefined ? 'body' : `line ${line}`;
    return new HttpProblem(400, `Malformed CSV at ${path}: ${reason.message}.`, [{ path, ...reason }]);
  }
  return new HttpProblem(400, `Malformed CSV: ${(error as Error).message ?? String(error)}.`);
}

const pathOf = (line: number, field: ReadingField) => `line ${line}: ${field}`;

/** The rows of a CSV stream as an import source. */
export function csvSource(body: Readable, limit: number): ImportSource {
  async function * rows(): AsyncGenerator<ReadingRow> {
    const parser = parse({ bom: true, skip_empty_lines: true, info: true, relax_column_count: true, max_record_size: 64 * 1024 });
    const limited = byteLimit(limit);
    body.on('error', (e) => limited.destroy(e));
    limited.on('error', (e) => parser.destroy(e));
    body.pipe(limited).pipe(parser);
    let header = true;
    let withSource = false;
    let finished = false;
    try {
      for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        const { record, info } = item;
        if (header) {
          const names = record.map((name) => name.trim());
          withSource = names.length === 4 && names[3] === 'source';
          if (!(names.length === 3 || withSource) || CSV_HEADER.some((name, i) => names[i] !== name)) {
            throw new HttpProblem(
              400,
              `Malformed CSV at line ${info.lines}: the header must be meterSerial,readAt,value[,source], ` +
                `got "${record.join(',').slice(0, 100)}".`,
              [{ path: `line ${info.lines}`, message: 'header must be meterSerial,readAt,value[,source]', code: 'csv_header' }],
            );
          }
          header = false;
          continue;
        }
        const expected = withSource ? 4 : 3;
        if (record.length !== expected) {
          yield { line: info.lines, columns: `has ${record.length} column(s); the header has ${expected}` };
          continue;
        }
        yield { line: info.lines, meterSerial: record[0], readAt: record[1], value: record[2], source: withSource ? record[3] : undefined };
      }
      finished = true;
    } catch (error) {
      finished = true;
      body.unpipe();
      body.resume();
      throw malformed(error);
    } finally {
      // The import stopped reading early (too many invalid rows): the rest of the upload is read
      // and discarded unparsed, so the client is answered and the connection stays usable (a body
      // that goes on past the upload limit is cut off instead).
      if (!finished) {
        body.unpipe();
        limited.destroy();
        discard(body, limit);
      }
    }
    if (header) {
      throw new HttpProblem(400, 'The CSV is empty: it needs the header meterSerial,readAt,value[,source].', [
        { path: 'line 1', message: 'header is missing', code: 'csv_header' },
      ]);
    }
  }
  return { rows: rows(), pathOf };
}
