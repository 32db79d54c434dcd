import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

/**
 * Every CSV the service writes goes through here (RFC 4180: comma-separated, CRLF-free `\n`
 * lines, a cell quoted when it holds a comma, a quote or a line break, quotes doubled), so that
 * no cell a resident or an operator typed (a holder's name, a room) runs as a formula when a
 * clerk opens the file in a spreadsheet (OWASP "CSV injection"): a cell beginning with `=`, `+`,
 * `-`, `@`, a tab or a carriage return gets a leading `'`. A cell that is a plain number
 * (`-123.45`, money and units) stays as it is.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;
const NEEDS_QUOTES = /[",\n\r]/;
/** Rows per chunk of the response stream. */
const CHUNK_ROWS = 1000;

export type CsvCell = string | number | null | undefined;

export function neutraliseCell(value: CsvCell): string | number {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return value;
  if (!FORMULA_START.test(value) || PLAIN_NUMBER.test(value)) return value;
  return `'${value}`;
}

/** One cell as written: neutralised, then quoted when it must be. */
export function csvCell(value: CsvCell): string {
  const cell = neutraliseCell(value);
  if (typeof cell === 'number') return String(cell);
  return NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

export function csvLine(cells: readonly CsvCell[]): string {
  return `${cells.map(csvCell).join(',')}\n`;
}

/** The header line, then one line per row, in chunks of CHUNK_ROWS lines. */
export function * csvChunks<K extends string>(columns: readonly K[], rows: Iterable<Record<K, CsvCell>>): Generator<string> {
  let chunk = csvLine(columns);
  let count = 0;
  for (const row of rows) {
    chunk += csvLine(columns.map((column) => row[column]));
    count += 1;
    if (count % CHUNK_ROWS === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** Streams rows as a CSV download (header line of `columns`, UTF-8) with every cell neutralised. */
export function sendCsv<K extends string>(
  reply: FastifyReply,
  filename: string,
  columns: readonly K[],
  rows: Iterable<Record<K, CsvCell>>,
): FastifyReply {
  reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`);
  return reply.send(Readable.from(csvChunks(columns, rows)));
}
