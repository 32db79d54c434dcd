import { Type } from '@sinclair/typebox';
import { PageQuery } from '../http/pagination.js';
import { CompoundCode, DecimalInput, Fen, IsoDate, Period, PlanSchema, SeasonLabel, Text, Uuid } from '../http/schemas.js';
import { InvoiceStatusSchema } from '../invoices/schemas.js';
import { quantityOut } from '../shared/quantity.js';

export const PlanEntry = Type.Object({ season: SeasonLabel, plan: PlanSchema });

export const AccountSchema = Type.Object({
  id: Uuid,
  householdId: Uuid,
  compound: CompoundCode,
  holderName: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  openedOn: IsoDate,
  closedOn: Type.Union([IsoDate, Type.Null()]),
  openingReading: Type.Union([Type.String(), Type.Null()]),
  plans: Type.Array(PlanEntry, { description: 'the plan of each season the account has one for' }),
}, { title: 'Account', description: "A household's account: who pays, from when, on which plan." });

export const CreateAccountBody = Type.Object(
  {
    householdId: Uuid,
    holderName: Text({ maxLength: 200 }),
    phone: Type.Optional(Type.Union([Type.String({ pattern: '^\\+?[0-9 -]{5,20}$' }), Type.Null()])),
    openedOn: IsoDate,
    openingReading: Type.Optional(DecimalInput),
    plan: Type.Optional(PlanSchema),
  },
  { additionalProperties: false },
);

export const PlanParams = Type.Object({ id: Uuid, season: SeasonLabel });
export const PutPlanBody = Type.Object({ plan: PlanSchema }, { additionalProperties: false });

export interface AccountRow {
  id: string;
  household_id: string;
  holder_name: string;
  phone: string | null;
  opened_on: string;
  closed_on: string | null;
  opening_reading: string | null;
}

export function accountOut(row: AccountRow, compoundCode: string, plans: Array<{ season_label: string; plan: 'metered' | 'flat' }>) {
  return {
    id: row.id,
    householdId: row.household_id,
    compound: compoundCode,
    holderName: row.holder_name,
    phone: row.phone,
    openedOn: row.opened_on,
    closedOn: row.closed_on,
    openingReading: quantityOut(row.opening_reading),
    plans: plans.map((p) => ({ season: p.season_label, plan: p.plan })),
  };
}

export const CompoundAccountSchema = Type.Composite(
  [
    AccountSchema,
    Type.Object({
      household: Type.Object({ building: Type.String(), unit: Type.String(), room: Type.String(), areaM2: Type.String() }),
      invoices: Type.Array(
        Type.Object({ id: Uuid, number: Type.String(), status: InvoiceStatusSchema, totalFen: Fen, paidFen: Fen }),
        { description: "the account's invoices of `period` (monthly and final), by number; empty without `period`" },
      ),
    }),
  ],
  { title: 'CompoundAccount' },
);

export const CompoundAccountsQuery = Type.Object({
  period: Type.Optional(Period),
  ...PageQuery,
});
