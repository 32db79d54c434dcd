import { Type } from '@sinclair/typebox';
import { PageQuery } from '../http/pagination.js';
import { CompoundCode, DecimalInput, Fen, IsoDate, Period, PlanSchema, SeasonLabel, Text, Uuid } from '../http/schemas.js';
import { InvoiceStatusSchema } from '../invoices/schemas.js';
import { quantityOut } from '../shared/quantity.js';

export const PlanEntry = Type.Object({ season: SeasonLabel, plan: { ...PlanSchema, description: 'metered or flat (一口价)' } });

export const AccountSchema = Type.Object({
  id: { ...Uuid, description: 'the account id' },
  householdId: { ...Uuid, description: "the account's household" },
  compound: { ...CompoundCode, description: 'the compound code' },
  holderName: Type.String({ description: 'who pays' }),
  phone: Type.Union([Type.String(), Type.Null()], { description: "the holder's phone, if given" }),
  openedOn: { ...IsoDate, description: 'the first day of the occupancy' },
  closedOn: Type.Union([IsoDate, Type.Null()], { description: 'the day the occupancy ended (excluded); null while open' }),
  openingReading: Type.Union([Type.String(), Type.Null()], {
    description: "the register the account started from, decimal string; null: no meter yet (the first meter's initialReading applies)",
  }),
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
      household: Type.Object(
        {
          building: Type.String({ description: 'building (栋)' }),
          unit: Type.String({ description: 'unit (单元)' }),
          room: Type.String({ description: 'room (室)' }),
          areaM2: Type.String({ description: 'floor area in m², decimal string' }),
        },
        { description: "the account's household" },
      ),
      invoices: Type.Array(
        Type.Object({
          id: { ...Uuid, description: 'the invoice id' },
          number: Type.String({ description: 'the invoice number' }),
          status: InvoiceStatusSchema,
          totalFen: Fen,
          paidFen: Fen,
        }),
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
