import type { FastifyReply } from 'fastify';
import { stringify } from 'csv-stringify';

/**
 * Every CSV the service writes goes through here, so that no cell a resident or an operator typed
 * (a holder's name, a room) runs as a formula when a clerk opens the file in a spreadsheet
 * (OWASP "CSV injection"): a cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return
 * gets a leading `'`. A cell that is a plain number (`-123.45`, money and units) stays as it is.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

export type CsvCell = string | number | null | undefined;

export function neutraliseCell(value: CsvCell): string | number {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return value;
  if (!FORMULA_START.test(value) || PLAIN_NUMBER.test(value)) return value;
  return `'${value}`;
}

export function neutraliseRow<K extends string>(row: Record<K, CsvCell>, columns: readonly K[]): Record<K, string | number> {
  const out = {} as Record<K, string | number>;
  for (const column of columns) out[column] = neutraliseCell(row[column]);
  return out;
}

/** Streams rows as a CSV download (header line of `columns`, UTF-8) with every cell neutralised. */
export function sendCsv<K extends string>(
  reply: FastifyReply,
  filename: string,
  columns: readonly K[],
  rows: Iterable<Record<K, CsvCell>>,
): FastifyReply {
  const csv = stringify({ header: true, columns: [...columns] });
  reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`);
  for (const row of rows) csv.write(neutraliseRow(row, columns));
  csv.end();
  return reply.send(csv);
}
