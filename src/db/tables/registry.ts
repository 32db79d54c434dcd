/**
 * The registry's tables (SPEC §2–§4): providers, compounds, seasons, homes, meters, accounts,
 * readings, tokens, audit. See ../types.ts for the conversions.
 */
import type { ColumnType, Generated } from 'kysely';
import type { Decimal, Timestamp, CreatedAt, IsoDate } from '../column-types.js';

export interface ProvidersTable {
  id: Generated<string>;
  name: string;
  created_at: CreatedAt;
  /** Payment details (0025), all null for a provider that has none. */
  payee_name: string | null;
  bank_name: string | null;
  bank_account: string | null;
  pay_qr: string | null;
  pay_hotline: string | null;
  pay_note_zh: string | null;
  pay_note_en: string | null;
}

export interface CompoundsTable {
  id: Generated<string>;
  code: string;
  name: string;
  district: string;
  provider_id: string;
  time_zone: Generated<string>;
  due_days: Generated<number>;
  /** Bumped by triggers (db/migrations/0010_statement_versions.sql), never written by the app. */
  statement_version: ColumnType<number, never, never>;
  created_at: CreatedAt;
}

export interface SeasonsTable {
  compound_id: string;
  label: string;
  heating_start: IsoDate;
  heating_end: IsoDate;
  cooling_start: IsoDate;
  cooling_end: IsoDate;
  unit_rate: Decimal;
  cap_per_m2: Decimal;
  flat_billing: ColumnType<FlatBilling, FlatBilling | undefined, FlatBilling>;
  /** SPEC §9 "Late fee": per mille of the unpaid amount per day; "0" (the default) is off. */
  late_fee_per_mille_per_day: ColumnType<string, string | number | undefined, string | number>;
  updated_at: Generated<Date>;
}

export interface HouseholdsTable {
  id: Generated<string>;
  household_no: ColumnType<number, never, never>;
  compound_id: string;
  building: string;
  unit: string;
  room: string;
  area_m2: Decimal;
  created_at: CreatedAt;
}

export interface MetersTable {
  id: Generated<string>;
  compound_id: string;
  household_id: string;
  serial: string;
  installed_at: Timestamp;
  initial_reading: Decimal;
  replaces_meter_id: string | null;
  retired_at: Timestamp | null;
  final_reading: Decimal | null;
  created_at: CreatedAt;
}

export interface AccountsTable {
  id: Generated<string>;
  compound_id: string;
  household_id: string;
  holder_name: string;
  phone: string | null;
  opened_on: IsoDate;
  closed_on: IsoDate | null;
  opening_reading: Decimal | null;
  /** The stored reading the opening value was taken from, when it was. */
  opening_reading_id: number | null;
  closing_reading: Decimal | null;
  /** Bumped by triggers (db/migrations/0010_statement_versions.sql), never written by the app. */
  statement_version: ColumnType<number, never, never>;
  created_at: CreatedAt;
}

export type Plan = 'metered' | 'flat';
export type FlatBilling = 'installments' | 'upfront';

export interface AccountPlansTable {
  account_id: string;
  compound_id: string;
  season_label: string;
  plan: Plan;
  updated_at: Generated<Date>;
}

export type ReadingSource = 'manual' | 'automatic';

export interface ReadingsTable {
  id: ColumnType<number, never, never>;
  compound_id: string;
  meter_id: string;
  read_at: Timestamp;
  value: Decimal;
  source: ColumnType<ReadingSource, ReadingSource | undefined, ReadingSource>;
  created_at: CreatedAt;
}

export type TokenRole = 'operator' | 'resident';

export interface ApiTokensTable {
  id: Generated<string>;
  token_hash: Buffer;
  role: TokenRole;
  provider_id: string | null;
  account_id: string | null;
  label: string | null;
  created_by: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface AuditLogTable {
  id: ColumnType<number, never, never>;
  at: CreatedAt;
  actor: string;
  action: string;
  entity: string;
  entity_id: string | null;
  compound_id: string | null;
  details: ColumnType<unknown, string, never>;
}
