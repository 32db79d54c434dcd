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
  accountId: { ...Uuid, description: 'the account' },
  householdId: { ...Uuid, description: "the account's household" },
  building: Type.String({ description: 'building (栋)' }),
  unit: Type.String({ description: 'unit (单元)' }),
  room: Type.String({ description: 'room (室)' }),
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
    compound: { ...CompoundCode, description: 'the compound code' },
    asOf: IsoDate,
    items: Type.Array(ArrearsItemSchema, { description: 'accounts with an overdue amount, in household order' }),
    totals: Type.Object({
      accounts: Type.Integer({ description: 'accounts with an overdue amount' }),
      invoices: Type.Integer({ description: 'overdue invoices' }),
      overdueFen: Fen,
      buckets: BucketsSchema,
    }, { description: 'the whole compound' }),
  },
  { title: 'Arrears', description: "A compound's overdue invoices by account as of a date, aged in buckets (SPEC §9)." },
);

export type ArrearsOut = Static<typeof ArrearsSchema>;
export type ArrearsItemOut = Static<typeof ArrearsItemSchema>;
