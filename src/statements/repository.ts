import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Principal } from '../auth/principal.js';
import type { Executor } from '../db/pool.js';
import type { InvoiceStatus, LineKind, Plan } from '../db/types.js';

/**
 * The account (scope in the query), its household and compound, the compound's seasons and the
 * account's plans: one round trip.
 */
export async function findStatementAccount(db: Executor, accountId: string, principal: Principal) {
  let query = db
    .selectFrom('accounts as a')
    .innerJoin('households as h', 'h.id', 'a.household_id')
    .innerJoin('compounds as c', 'c.id', 'a.compound_id')
    .select([
      'a.id',
      'a.compound_id',
      'a.household_id',
      'a.holder_name',
      'a.phone',
      'a.opened_on',
      'a.closed_on',
      'h.building',
      'h.unit',
      'h.room',
      'h.area_m2',
      'c.code as compound_code',
      'c.time_zone',
    ])
    .select((eb) => [
      jsonArrayFrom(
        eb
          .selectFrom('seasons as s')
          .select([
            's.label',
            's.heating_start',
            's.heating_end',
            's.cooling_start',
            's.cooling_end',
            // numeric as text: decimals never travel through a JS float
            sql<string>`s.unit_rate::text`.as('unit_rate'),
            sql<string>`s.cap_per_m2::text`.as('cap_per_m2'),
            's.flat_billing',
          ])
          .whereRef('s.compound_id', '=', 'a.compound_id')
          .orderBy('s.label'),
      ).as('seasons'),
      jsonArrayFrom(eb.selectFrom('account_plans as p').select(['p.season_label', 'p.plan']).whereRef('p.account_id', '=', 'a.id')).as('plans'),
    ])
    .where('a.id', '=', accountId);
  if (principal.role === 'operator') query = query.where('c.provider_id', '=', principal.providerId);
  if (principal.role === 'resident') query = query.where('a.id', '=', principal.accountId);
  return query.executeTakeFirst();
}

export interface StatementLineRow {
  kind: LineKind;
  description: string;
  units: string | null;
  unit_rate: string | null;
  amount_fen: number;
}

export interface StatementInvoiceRow {
  id: string;
  number: string;
  account_id: string;
  household_id: string;
  period: string;
  issued_on: string;
  due_on: string;
  status: InvoiceStatus;
  plan: Plan;
  total_fen: number;
  paid_fen: number;
  no_reading: boolean;
  usage_units: string;
  lines: StatementLineRow[];
}

export interface StatementPaymentRow {
  id: string;
  amount_fen: number;
  paid_at: string;
  reference: string;
  unallocated_fen: number;
}

export interface StatementFigures {
  invoiced_fen: number;
  paid_fen: number;
  invoices: StatementInvoiceRow[];
  payments: StatementPaymentRow[];
}

/**
 * The season's invoices with their lines, the account's payments and its all-time totals, in one
 * statement (one snapshot, so balance, invoices and payments agree). Indexed by account id.
 */
export async function loadStatementFigures(db: Executor, accountId: string, seasonLabel: string): Promise<StatementFigures> {
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .selectFrom('invoices')
        .select(sql<number>`coalesce(sum(total_fen), 0)::bigint`.as('v'))
        .where('account_id', '=', accountId)
        .where('status', '<>', 'void')
        .as('invoiced_fen'),
      eb
        .selectFrom('payments')
        .select(sql<number>`coalesce(sum(amount_fen), 0)::bigint`.as('v'))
        .where('account_id', '=', accountId)
        .as('paid_fen'),
      jsonArrayFrom(
        eb
          .selectFrom('invoices as i')
          .select([
            'i.id',
            'i.number',
            'i.account_id',
            'i.household_id',
            'i.period',
            'i.issued_on',
            'i.due_on',
            'i.status',
            'i.plan',
            'i.total_fen',
            'i.paid_fen',
            'i.no_reading',
            sql<string>`i.usage_units::text`.as('usage_units'),
          ])
          .select((eb2) =>
            jsonArrayFrom(
              eb2
                .selectFrom('invoice_lines as l')
                .select(['l.kind', 'l.description', sql<string | null>`l.units::text`.as('units'), sql<string | null>`l.unit_rate::text`.as('unit_rate'), 'l.amount_fen'])
                .whereRef('l.invoice_id', '=', 'i.id')
                .orderBy('l.line_no'),
            ).as('lines'),
          )
          .where('i.account_id', '=', accountId)
          .where('i.season_label', '=', seasonLabel)
          .orderBy('i.period')
          .orderBy('i.number'),
      ).as('invoices'),
      jsonArrayFrom(
        eb
          .selectFrom('payments as p')
          .select(['p.id', 'p.amount_fen', sql<string>`p.paid_at`.as('paid_at'), 'p.reference', 'p.unallocated_fen'])
          .where('p.account_id', '=', accountId)
          .orderBy('p.paid_at')
          .orderBy('p.created_at'),
      ).as('payments'),
    ])
    .executeTakeFirstOrThrow();
  return {
    invoiced_fen: Number(row.invoiced_fen ?? 0),
    paid_fen: Number(row.paid_fen ?? 0),
    invoices: row.invoices as unknown as StatementInvoiceRow[],
    payments: row.payments as unknown as StatementPaymentRow[],
  };
}
