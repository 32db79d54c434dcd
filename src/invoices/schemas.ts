import { Type, type Static } from '@sinclair/typebox';
import { formatQuantity, formatRate, parseRate, parseSignedQuantity } from '../core/index.js';
import type { InvoiceStatus, LineKind } from '../db/types.js';
import { CompoundCode, Fen, IsoDate, Period, Uuid } from '../http/schemas.js';

/** An invoice line as the API shows it (SPEC §7): units/unitRate as decimal strings, money in fen. */
export const InvoiceLineSchema = Type.Object({
  kind: Type.Union(
    (['usage', 'cap', 'flat_installment', 'flat_upfront', 'adjustment', 'final_settlement', 'late_fee'] as const).map((k) =>
      Type.Literal(k),
    ),
  ),
  description: Type.String(),
  units: Type.Optional(Type.String({ description: 'meter units, decimal string ("1500", "12.5")' })),
  unitRate: Type.Optional(Type.String({ description: 'CNY per unit, decimal string ("0.33")' })),
  amountFen: Fen,
  estimated: Type.Optional(Type.Boolean({ description: 'true: priced from an estimated reading (估算)' })),
});

export const InvoiceStatusSchema = Type.Union([
  Type.Literal('issued'),
  Type.Literal('paid'),
  Type.Literal('partially_paid'),
  Type.Literal('void'),
]);

export const InvoiceSchema = Type.Object(
  {
    id: Uuid,
    number: Type.String({ description: '{COMPOUND-CODE}-{YYYYMM}-{NNNNNN}' }),
    accountId: Uuid,
    householdId: Uuid,
    compound: CompoundCode,
    period: Period,
    issuedOn: IsoDate,
    dueOn: IsoDate,
    status: InvoiceStatusSchema,
    totalFen: Fen,
    paidFen: Fen,
    noReading: Type.Boolean(),
    lines: Type.Array(InvoiceLineSchema),
  },
  { title: 'Invoice' },
);
export type InvoiceOut = Static<typeof InvoiceSchema>;
export type InvoiceLineOut = Static<typeof InvoiceLineSchema>;

/** The invoice columns the serializer reads (a row of `invoices`, or a subset of it). */
export interface InvoiceRowLike {
  id: string;
  number: string;
  account_id: string;
  household_id: string;
  period: string;
  issued_on: string;
  due_on: string;
  status: InvoiceStatus;
  total_fen: number;
  paid_fen: number;
  no_reading: boolean;
}

/** The invoice_lines columns the serializer reads. */
export interface InvoiceLineRowLike {
  kind: LineKind;
  description: string;
  units: string | null;
  unit_rate: string | null;
  amount_fen: number;
  estimated: boolean;
}

/** numeric text from PostgreSQL ("1500.000", "-400.000", "0.3300") → minimal decimal ("1500", "-400", "0.33"). */
export const unitsOut = (value: string): string => formatQuantity(parseSignedQuantity(value, 'units'));
export const rateOut = (value: string): string => formatRate(parseRate(value, 'unitRate'));

export function invoiceLineOut(line: InvoiceLineRowLike): InvoiceLineOut {
  const out: InvoiceLineOut = { kind: line.kind, description: line.description, amountFen: line.amount_fen };
  if (line.units !== null) out.units = unitsOut(line.units);
  if (line.unit_rate !== null) out.unitRate = rateOut(line.unit_rate);
  if (line.estimated) out.estimated = true;
  return out;
}

/** THE invoice serializer (SPEC §7 invoice shape); lines in line_no order. */
export function invoiceOut(row: InvoiceRowLike, lines: readonly InvoiceLineRowLike[], compoundCode: string): InvoiceOut {
  return {
    id: row.id,
    number: row.number,
    accountId: row.account_id,
    householdId: row.household_id,
    compound: compoundCode,
    period: row.period,
    issuedOn: row.issued_on,
    dueOn: row.due_on,
    status: row.status,
    totalFen: row.total_fen,
    paidFen: row.paid_fen,
    noReading: row.no_reading,
    lines: lines.map(invoiceLineOut),
  };
}
