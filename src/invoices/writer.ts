/**
 * THE invoice writer: invoices with their lines and register intervals, for the monthly batch,
 * final invoices and tests alike. Each table's columns are named once, each with its SQL type
 * and how it is read off a NewInvoice; from that one definition come both ways of writing:
 * - COPY text (the batch: tens of thousands of invoices per statement, on its raw pg client);
 * - one INSERT … SELECT FROM unnest(…) per table (a Kysely transaction, e.g. a move-out).
 * Values are always data (COPY rows or bound arrays), never spliced into SQL.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { InvoiceLine, SeasonInterval } from '../core/index.js';
import type { InvoiceKind, InvoiceStatus, Plan } from '../db/types.js';
import { queryCount, type Queryable } from '../db/sql.js';

export interface NewInvoice {
  id: string;
  compoundId: string;
  accountId: string;
  householdId: string;
  /** The season of the invoice's period (a final invoice: the season it closes in). */
  seasonLabel: string;
  period: string;
  kind: InvoiceKind;
  /** Gapless per compound and month (SPEC §5). */
  seq: number;
  number: string;
  /** The account's next ledger slot. */
  accountSeq: number;
  issuedOn: string;
  dueOn: string;
  plan: Plan;
  totalFen: number;
  status: Extract<InvoiceStatus, 'issued' | 'paid'>;
  noReading: boolean;
  /** Σ units of the intervals, decimal text. */
  usageUnits: string;
  billingRunId: string | null;
  lines: readonly InvoiceLine[];
  intervals: readonly SeasonInterval[];
}

type Value = string | number | boolean | null;
interface Column<R> {
  name: string;
  type: string;
  value: (row: R) => Value;
}

interface LineRow {
  invoice: NewInvoice;
  lineNo: number;
  line: InvoiceLine;
}
interface IntervalRow {
  invoice: NewInvoice;
  intervalNo: number;
  piece: SeasonInterval;
}

const INVOICE_COLUMNS: readonly Column<NewInvoice>[] = [
  { name: 'id', type: 'uuid', value: (i) => i.id },
  { name: 'compound_id', type: 'uuid', value: (i) => i.compoundId },
  { name: 'account_id', type: 'uuid', value: (i) => i.accountId },
  { name: 'household_id', type: 'uuid', value: (i) => i.householdId },
  { name: 'season_label', type: 'text', value: (i) => i.seasonLabel },
  { name: 'period', type: 'text', value: (i) => i.period },
  { name: 'kind', type: 'text', value: (i) => i.kind },
  { name: 'seq', type: 'integer', value: (i) => i.seq },
  { name: 'number', type: 'text', value: (i) => i.number },
  { name: 'account_seq', type: 'integer', value: (i) => i.accountSeq },
  { name: 'issued_on', type: 'date', value: (i) => i.issuedOn },
  { name: 'due_on', type: 'date', value: (i) => i.dueOn },
  { name: 'plan', type: 'text', value: (i) => i.plan },
  { name: 'total_fen', type: 'bigint', value: (i) => i.totalFen },
  { name: 'status', type: 'text', value: (i) => i.status },
  { name: 'no_reading', type: 'boolean', value: (i) => i.noReading },
  { name: 'usage_units', type: 'numeric', value: (i) => i.usageUnits },
  { name: 'billing_run_id', type: 'uuid', value: (i) => i.billingRunId },
  // A negative total is account credit, exactly like an overpayment (SPEC §5 "Credit").
  { name: 'unallocated_credit_fen', type: 'bigint', value: (i) => (i.totalFen < 0 ? -i.totalFen : 0) },
];

const LINE_COLUMNS: readonly Column<LineRow>[] = [
  { name: 'invoice_id', type: 'uuid', value: (r) => r.invoice.id },
  { name: 'line_no', type: 'smallint', value: (r) => r.lineNo },
  { name: 'compound_id', type: 'uuid', value: (r) => r.invoice.compoundId },
  { name: 'season_label', type: 'text', value: (r) => r.line.seasonLabel },
  { name: 'kind', type: 'text', value: (r) => r.line.kind },
  { name: 'description', type: 'text', value: (r) => r.line.description },
  { name: 'units', type: 'numeric', value: (r) => r.line.units ?? null },
  { name: 'unit_rate', type: 'numeric', value: (r) => r.line.unitRate ?? null },
  { name: 'amount_fen', type: 'bigint', value: (r) => r.line.amountFen },
  { name: 'estimated', type: 'boolean', value: (r) => r.line.estimated === true },
];

const INTERVAL_COLUMNS: readonly Column<IntervalRow>[] = [
  { name: 'invoice_id', type: 'uuid', value: (r) => r.invoice.id },
  { name: 'interval_no', type: 'smallint', value: (r) => r.intervalNo },
  { name: 'compound_id', type: 'uuid', value: (r) => r.invoice.compoundId },
  { name: 'season_label', type: 'text', value: (r) => r.piece.seasonLabel },
  { name: 'meter_id', type: 'uuid', value: (r) => r.piece.interval.meterId },
  { name: 'from_reading_id', type: 'bigint', value: (r) => r.piece.interval.from.readingId },
  { name: 'from_value', type: 'numeric', value: (r) => r.piece.interval.from.value },
  { name: 'from_at', type: 'timestamptz', value: (r) => r.piece.interval.from.at.toISOString() },
  { name: 'to_reading_id', type: 'bigint', value: (r) => r.piece.interval.to.readingId },
  { name: 'to_value', type: 'numeric', value: (r) => r.piece.interval.to.value },
  { name: 'to_at', type: 'timestamptz', value: (r) => r.piece.interval.to.at.toISOString() },
  { name: 'estimated', type: 'boolean', value: (r) => r.piece.interval.estimated },
];

interface Table<R> {
  name: string;
  columns: readonly Column<R>[];
  rows: (invoice: NewInvoice) => R[];
}

const TABLES = [
  { name: 'invoices', columns: INVOICE_COLUMNS, rows: (i: NewInvoice) => [i] },
  {
    name: 'invoice_lines',
    columns: LINE_COLUMNS,
    rows: (i: NewInvoice) => i.lines.map((line, n) => ({ invoice: i, lineNo: n + 1, line })),
  },
  {
    name: 'invoice_intervals',
    columns: INTERVAL_COLUMNS,
    rows: (i: NewInvoice) => i.intervals.map((piece, n) => ({ invoice: i, intervalNo: n + 1, piece })),
  },
] as const satisfies readonly [Table<NewInvoice>, Table<LineRow>, Table<IntervalRow>];

/** Each table the writer fills with the columns it names, in COPY order (for benches that copy the same rows elsewhere). */
export const INVOICE_TABLES: readonly { name: string; columns: readonly string[] }[] = TABLES.map((t) => ({
  name: t.name,
  columns: t.columns.map((c) => c.name),
}));

/** A value as text: booleans t/f, everything else its string form; null stays null. */
function text(value: Value): string | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return String(value);
}

/** COPY text format: \N for null; backslash, tab, newline and carriage return escaped. */
function copyField(value: Value): string {
  const t = text(value);
  if (t === null) return '\\N';
  return /[\\\t\n\r]/.test(t)
    ? t.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
    : t;
}

const CHUNK_CHARS = 262_144;

/** Invoices encoded as COPY text for their three tables, in ~256 KiB pieces (one stream write per piece). */
export class InvoiceCopy {
  private readonly parts: string[][] = TABLES.map(() => []);
  private readonly buffers: string[] = TABLES.map(() => '');

  add(invoice: NewInvoice): void {
    TABLES.forEach((table, t) => {
      for (const row of table.rows(invoice) as never[]) {
        let line = '';
        for (let c = 0; c < table.columns.length; c++) {
          line += (c === 0 ? '' : '\t') + copyField((table.columns[c] as Column<never>).value(row));
        }
        this.buffers[t] += line + '\n';
        if ((this.buffers[t] as string).length >= CHUNK_CHARS) {
          (this.parts[t] as string[]).push(this.buffers[t] as string);
          this.buffers[t] = '';
        }
      }
    });
  }

  /** Writes everything added, invoices before their lines and intervals. Inside the caller's transaction. */
  async write(client: pg.ClientBase): Promise<void> {
    for (const [t, table] of TABLES.entries()) {
      const parts = this.parts[t] as string[];
      if ((this.buffers[t] as string).length > 0) parts.push(this.buffers[t] as string);
      this.buffers[t] = '';
      if (parts.length === 0) continue;
      await pipeline(
        Readable.from(parts),
        client.query(copyFrom(`COPY ${table.name} (${table.columns.map((c) => c.name).join(', ')}) FROM STDIN`)),
      );
      this.parts[t] = [];
    }
  }
}

/** The INSERT … SELECT FROM unnest of a table: one text[] parameter per column, cast to its type. */
function insertSql<R>(table: Table<R>): string {
  const columns = table.columns.map((c) => c.name).join(', ');
  const params = table.columns.map((_, i) => `$${i + 1}::text[]`).join(', ');
  const casts = table.columns.map((c, i) => `c${i}::${c.type}`).join(', ');
  const names = table.columns.map((_, i) => `c${i}`).join(', ');
  return `INSERT INTO ${table.name} (${columns}) SELECT ${casts} FROM unnest(${params}) AS v(${names})`;
}
const INSERTS = TABLES.map((t) => insertSql(t as Table<unknown>));

/** Writes invoices on any executor (a Kysely transaction or a pg client inside a transaction). */
export async function insertInvoices(q: Queryable, invoices: readonly NewInvoice[]): Promise<void> {
  for (const [t, table] of TABLES.entries()) {
    const rows = invoices.flatMap((i) => table.rows(i) as never[]);
    if (rows.length === 0) continue;
    const arrays = table.columns.map((c) => rows.map((row) => text((c as Column<never>).value(row))));
    await queryCount(q, INSERTS[t] as string, arrays);
  }
}
