import { Type } from '@sinclair/typebox';
import { formatArea, formatQuantity, parseQuantity } from '../core/index.js';
import { DateRange } from '../compounds/schemas.js';
import { CompoundCode, DecimalInput, IsoDate, PlanSchema, SeasonLabel, Uuid } from '../http/schemas.js';
import { formatInstant } from './time.js';

const Text50 = Type.String({ minLength: 1, maxLength: 50 });

export const SeasonParams = Type.Object({ code: CompoundCode, label: SeasonLabel });
export const PutSeasonBody = Type.Object(
  {
    heating: DateRange,
    cooling: DateRange,
    unitRate: DecimalInput,
    capPerM2: DecimalInput,
    flatBilling: Type.Optional(Type.Union([Type.Literal('installments'), Type.Literal('upfront')], { default: 'installments' })),
  },
  { additionalProperties: false },
);

export const CreateHouseholdBody = Type.Object(
  { building: Text50, unit: Text50, room: Text50, areaM2: DecimalInput },
  { additionalProperties: false },
);

export const HouseholdSchema = Type.Object({
  id: Uuid,
  compound: CompoundCode,
  building: Type.String(),
  unit: Type.String(),
  room: Type.String(),
  areaM2: Type.String({ description: 'floor area in m², decimal string ("99.00")' }),
});

export const MeterSchema = Type.Object({
  id: Uuid,
  householdId: Uuid,
  compound: CompoundCode,
  serial: Type.String(),
  installedAt: Type.String({ description: 'ISO 8601 instant in the compound time zone' }),
  initialReading: Type.String(),
  replaces: Type.Union([Type.String({ description: 'serial of the replaced meter' }), Type.Null()]),
  retiredAt: Type.Union([Type.String(), Type.Null()]),
  finalReading: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
});

export const CreateMeterBody = Type.Object(
  {
    serial: Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\s,"]+$' }),
    installedAt: Type.String({ minLength: 10, maxLength: 40, description: 'ISO 8601; without offset = compound local time' }),
    initialReading: DecimalInput,
    replaces: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'serial (or id) of the active meter this one replaces' })),
    finalReading: Type.Optional(DecimalInput),
  },
  { additionalProperties: false },
);

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
  plans: Type.Array(PlanEntry),
});

export const HouseholdDetailSchema = Type.Composite([
  HouseholdSchema,
  Type.Object({ meters: Type.Array(MeterSchema), accounts: Type.Array(AccountSchema) }),
]);

export const CreateAccountBody = Type.Object(
  {
    householdId: Uuid,
    holderName: Type.String({ minLength: 1, maxLength: 200 }),
    phone: Type.Optional(Type.Union([Type.String({ pattern: '^\\+?[0-9 -]{5,20}$' }), Type.Null()])),
    openedOn: IsoDate,
    openingReading: Type.Optional(DecimalInput),
    plan: Type.Optional(PlanSchema),
  },
  { additionalProperties: false },
);

export const PlanParams = Type.Object({ id: Uuid, season: SeasonLabel });
export const PutPlanBody = Type.Object({ plan: PlanSchema }, { additionalProperties: false });

/** numeric text from PostgreSQL → minimal decimal ("1500.000" → "1500"). */
export function quantityOut(value: string): string;
export function quantityOut(value: string | null): string | null;
export function quantityOut(value: string | null): string | null {
  return value === null ? null : formatQuantity(parseQuantity(value));
}

export function householdOut(row: { id: string; compound_code: string; building: string; unit: string; room: string; area_m2: string }) {
  return { id: row.id, compound: row.compound_code, building: row.building, unit: row.unit, room: row.room, areaM2: formatArea(parseQuantity(row.area_m2)) };
}

export interface MeterRow {
  id: string;
  household_id: string;
  serial: string;
  installed_at: Date;
  initial_reading: string;
  retired_at: Date | null;
  final_reading: string | null;
  replaces_serial: string | null;
}

export function meterOut(row: MeterRow, compoundCode: string, zone: string) {
  return {
    id: row.id,
    householdId: row.household_id,
    compound: compoundCode,
    serial: row.serial,
    installedAt: formatInstant(row.installed_at, zone),
    initialReading: quantityOut(row.initial_reading),
    replaces: row.replaces_serial,
    retiredAt: row.retired_at ? formatInstant(row.retired_at, zone) : null,
    finalReading: quantityOut(row.final_reading),
    active: row.retired_at === null,
  };
}

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
