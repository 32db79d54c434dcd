import { Type, type Static } from '@sinclair/typebox';
import { formatQuantity, formatRate, isOverdue, parseRate, parseSignedQuantity } from '../core/index.js';
import type { InvoiceStatus, LineKind } from '../db/types.js';
import { CompoundCode, IsoDate, Period, Uuid } from '../http/schemas.js';

/** An invoice line as the API shows it (SPEC §7): units/unitRate as decimal strings, money in fen. */
export const InvoiceLineSchema = Type.Object(
  {
    kind: Type.Union(
      (['usage', 'cap', 'flat_installment', 'flat_upfront', 'adjustment', 'final_settlement', 'late_fee'] as const).map((k) =>
        Type.Literal(k),
      ),
      {
        description: 'usage (metered), cap (the season cap taking off, negative), flat_installment / flat_upfront (一口价), ' +
        'adjustment (a correction or void carried), final_settlement (move-out), late_fee',
      },
    ),
    description: Type.String({ description: 'bilingual text printed on the invoice (中文 English)' }),
    units: Type.Optional(Type.String({ description: 'meter units, decimal string ("1500", "12.5")' })),
    unitRate: Type.Optional(Type.String({ description: 'CNY per unit, decimal string ("0.33")' })),
    amountFen: Type.Integer({ description: 'fen, integer: the line amount, negative for a cap or a credit' }),
    estimated: Type.Optional(Type.Boolean({ description: 'true: priced from an estimated reading (估算)' })),
  },
  { title: 'InvoiceLine', description: 'One line of an invoice; the lines sum to totalFen.' },
);

export const InvoiceStatusSchema = Type.Union(
  [Type.Literal('issued'), Type.Literal('paid'), Type.Literal('partially_paid'), Type.Literal('void')],
  { description: 'issued, partially_paid, paid (a zero total is issued paid) or void' },
);

/** SPEC §5 worked example (metered, 99.00 m², 0.33 CNY a unit, cap 346,500 fen): June, where the cap bites. */
const INVOICE_EXAMPLE = {
  id: '6f1c2b9e-3a4d-4e5f-8a6b-7c8d9e0f1a2b',
  number: 'AOSHAN-202606-000001',
  accountId: '0b8e6a1c-2d3e-4f50-9a61-b7c8d9e0f1a2',
  householdId: '1c9f7b2d-3e4f-4061-8b72-c8d9e0f1a2b3',
  compound: 'aoshan',
  period: '2026-06',
  issuedOn: '2026-07-01',
  dueOn: '2026-07-16',
  status: 'issued',
  totalFen: 3300,
  paidFen: 0,
  overdue: false,
  noReading: false,
  lines: [
    { kind: 'usage', description: '用量 Usage 2026-06: 500 × 0.33', units: '500', unitRate: '0.33', amountFen: 16500 },
    { kind: 'cap', description: '封顶减免 Cap reduction (cap 3465.00 CNY)', amountFen: -13200 },
  ],
};

export const InvoiceSchema = Type.Object(
  {
    id: { ...Uuid, description: 'the invoice id' },
    number: Type.String({ description: '{COMPOUND-CODE}-{YYYYMM}-{NNNNNN}, gapless per compound and month' }),
    accountId: { ...Uuid, description: 'the account billed' },
    householdId: { ...Uuid, description: "the account's household" },
    compound: { ...CompoundCode, description: 'the compound code' },
    period: Period,
    issuedOn: { ...IsoDate, description: 'the local date of the run that issued it' },
    dueOn: { ...IsoDate, description: "issuedOn + the compound's dueDays (15 by default)" },
    status: InvoiceStatusSchema,
    totalFen: Type.Integer({ description: 'fen, integer: the sum of the lines; negative on a final credit' }),
    paidFen: Type.Integer({ description: 'fen, integer: what payments and credit have settled' }),
    overdue: Type.Boolean({
      description: "issued or partially paid, something owed, and today (the compound's local date) after dueOn (SPEC §9)",
    }),
    noReading: Type.Boolean({ description: 'true only when no reading newer than the start reading exists' }),
    lines: Type.Array(InvoiceLineSchema, { description: 'the lines, in print order' }),
  },
  {
    title: 'Invoice',
    description: "An account's invoice for one month (or its final invoice on move-out); issued invoices never change.",
    example: INVOICE_EXAMPLE,
  },
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

/**
 * THE invoice serializer (SPEC §7 invoice shape); lines in line_no order. `today` is the local
 * date in the compound's zone, read with the row (`(now() AT TIME ZONE c.time_zone)::date`).
 */
export function invoiceOut(row: InvoiceRowLike, lines: readonly InvoiceLineRowLike[], compoundCode: string, today: string): InvoiceOut {
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
    overdue: isOverdue({ status: row.status, totalFen: row.total_fen, paidFen: row.paid_fen, dueOn: row.due_on }, today),
    noReading: row.no_reading,
    lines: lines.map(invoiceLineOut),
  };
}
