import { Type } from '@sinclair/typebox';
import { AccountSchema } from '../accounts/schemas.js';
import { formatArea, parseQuantity } from '../core/index.js';
import { CompoundCode, DecimalInput, Text, Uuid } from '../http/schemas.js';
import { quantityOut } from '../shared/quantity.js';
import { formatInstant } from '../shared/time.js';

const Text50 = Text({ maxLength: 50 });

export const CreateHouseholdBody = Type.Object(
  { building: Text50, unit: Text50, room: Text50, areaM2: DecimalInput },
  { additionalProperties: false },
);

export const HouseholdSchema = Type.Object({
  id: { ...Uuid, description: 'the household id' },
  compound: { ...CompoundCode, description: 'the compound code' },
  building: Type.String({ description: 'building (栋)' }),
  unit: Type.String({ description: 'unit (单元)' }),
  room: Type.String({ description: 'room (室)' }),
  areaM2: Type.String({ description: 'floor area in m², decimal string ("99.00")' }),
}, { title: 'Household', description: 'A household (户) of a compound.' });

export const MeterSchema = Type.Object({
  id: { ...Uuid, description: 'the meter id' },
  householdId: { ...Uuid, description: "the meter's household" },
  compound: { ...CompoundCode, description: 'the compound code' },
  serial: Type.String({ description: 'the serial, unique across providers' }),
  installedAt: Type.String({ description: 'ISO 8601 instant in the compound time zone' }),
  initialReading: Type.String({ description: 'the register when installed, decimal string' }),
  replaces: Type.Union([Type.String({ description: 'serial of the replaced meter' }), Type.Null()]),
  retiredAt: Type.Union([Type.String(), Type.Null()], { description: 'when a replacement retired it (ISO 8601); null while in service' }),
  finalReading: Type.Union([Type.String(), Type.Null()], { description: 'its register when retired, decimal string' }),
  active: Type.Boolean({ description: 'the meter in service now' }),
}, { title: 'Meter', description: "A household's heat meter; a replacement chain continues usage across meters." });

export const MeterChainSchema = Type.Object({
  householdId: Uuid,
  items: Type.Array(
    Type.Composite([
      MeterSchema,
      Type.Object({ replacedBy: Type.Union([Type.String({ description: 'serial of the meter that replaced it' }), Type.Null()]) }),
    ]),
    { description: 'the meters in installation order: a replacement chain, the active meter last' },
  ),
});

export const CreateMeterBody = Type.Object(
  {
    serial: Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\s,"]+$' }),
    installedAt: Type.String({ minLength: 10, maxLength: 40, description: 'ISO 8601; without offset = compound local time' }),
    initialReading: DecimalInput,
    replaces: Type.Optional(
      Text({ maxLength: 64, description: 'serial (or id) of the active meter this one replaces' }),
    ),
    finalReading: Type.Optional(DecimalInput),
  },
  { additionalProperties: false },
);

export const HouseholdDetailSchema = Type.Composite([
  HouseholdSchema,
  Type.Object({ meters: Type.Array(MeterSchema), accounts: Type.Array(AccountSchema) }),
]);

export function householdOut(row: { id: string; compound_code: string; building: string; unit: string; room: string; area_m2: string }) {
  return {
    id: row.id,
    compound: row.compound_code,
    building: row.building,
    unit: row.unit,
    room: row.room,
    areaM2: formatArea(parseQuantity(row.area_m2)),
  };
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
