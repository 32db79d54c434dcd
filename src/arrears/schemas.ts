import { Type, type Static } from '@sinclair/typebox';
import { CompoundCode, Fen, IsoDate, Uuid } from '../http/schemas.js';

export const BucketsSchema = Type.Object(
  {
    days1to30: Fen,
    days31to60: Fen,
    days61to90: Fen,
    days91plus: Fen,
  },
  { description: 'overdue fen by days past due as of asOf (due on the 1st, asOf the 2nd: 1 day)' },
);

export const ArrearsItemSchema = Type.Object({
  accountId: Uuid,
  householdId: Uuid,
  building: Type.String(),
  unit: Type.String(),
  room: Type.String(),
  home: Type.String({ description: 'building-unit-room' }),
  holderName: Type.String({ description: 'masked as in statements (王*)' }),
  phone: Type.Union([Type.String({ description: 'masked as in statements (138****5678)' }), Type.Null()]),
  overdueFen: Type.Integer({ description: 'sum of total − paid of the overdue invoices' }),
  buckets: BucketsSchema,
  oldestDueOn: IsoDate,
  daysOverdue: Type.Integer({ description: 'days from the oldest dueOn to asOf' }),
  invoiceNumbers: Type.Array(Type.String(), { description: 'the overdue invoices, oldest due first' }),
});

export const ArrearsSchema = Type.Object(
  {
    compound: CompoundCode,
    asOf: IsoDate,
    items: Type.Array(ArrearsItemSchema, { description: 'accounts with an overdue amount, in household order' }),
    totals: Type.Object({
      accounts: Type.Integer(),
      invoices: Type.Integer({ description: 'overdue invoices' }),
      overdueFen: Fen,
      buckets: BucketsSchema,
    }),
  },
  { title: 'Arrears', description: "A compound's overdue invoices by account as of a date, aged in buckets (SPEC §9)." },
);

export type ArrearsOut = Static<typeof ArrearsSchema>;
export type ArrearsItemOut = Static<typeof ArrearsItemSchema>;
