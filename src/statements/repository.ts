import { namedPerRole, scopeValues } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import { queryRows, type Queryable } from '../db/sql.js';
import type { SeasonColumns } from '../seasons/from-row.js';
import type { InvoiceLineRowLike, InvoiceRowLike } from '../invoices/schemas.js';
import type { Plan } from '../db/types.js';
import type { PaymentDetailsRow } from '../providers/schemas.js';

export interface StatementInvoiceRow extends InvoiceRowLike {
  plan: Plan;
  usage_units: string;
  lines: InvoiceLineRowLike[];
}

export interface StatementAdjustmentRow {
  id: string;
  amount_fen: number;
  description: string;
  created_at: string;
}

export interface StatementPaymentRow {
  id: string;
  amount_fen: number;
  paid_at: string;
  reference: string;
  unallocated_fen: number;
}

/**
 * What a statement was computed from, read in the same snapshot as its figures: the counters kept
 * by db/migrations/0010_statement_versions.sql, the account's number of invoices (the batch's
 * inserts fire no trigger) and today's date in the compound's zone (it picks the default season).
 */
export interface StatementStamp {
  statement_version: number;
  compound_version: number;
  invoice_count: number;
  today: string;
  /** The household's latest reading, as "id:value" (null: none): a new or corrected one moves usageToDate. */
  latest_reading: string | null;
}

/** The account's open invoices (issued or partially paid, any season), summed: what it owes now. */
export interface OpenDueRow {
  /** Σ total − paid. */
  fen: number;
  /** The earliest due date; null when nothing is open. */
  earliest_due_on: string | null;
  /** Their numbers, earliest due first. */
  numbers: string[];
}

export interface StatementRow extends StatementStamp, PaymentDetailsRow {
  id: string;
  compound_id: string;
  household_id: string;
  holder_name: string;
  phone: string | null;
  opened_on: string;
  closed_on: string | null;
  building: string;
  unit: string;
  room: string;
  area_m2: string;
  compound_code: string;
  compound_name: string;
  provider_id: string;
  provider_name: string;
  due_days: number;
  time_zone: string;
  /** Labels of the compound's seasons that overlap the occupancy, oldest first. */
  seasons: string[];
  /** Null when the compound has no such season (or none at all). */
  season: SeasonColumns | null;
  plan: Plan | null;
  invoiced_fen: number;
  paid_fen: number;
  /** The season's charges so far (the ledger's season_charges view). */
  season_charges_fen: number;
  /** What the cap took off the season's charges: its cap lines (by their own season, like season_charges), negated. */
  cap_saved_fen: number;
  /** Credit not yet spent: unallocated payments and negative invoices. */
  credit_fen: number;
  open_due: OpenDueRow;
  invoices: StatementInvoiceRow[];
  payments: StatementPaymentRow[];
  /** Adjustments not yet carried by an invoice, any season. */
  pending_adjustments: StatementAdjustmentRow[];
}

const STAMP_COLUMNS = `a.statement_version, c.statement_version AS compound_version,
             (now() AT TIME ZONE c.time_zone)::date AS today,
             (SELECT count(*) FROM invoices i WHERE i.account_id = a.id)::int AS invoice_count,
             (SELECT r.id::text || ':' || r.value::text FROM meters m JOIN readings r ON r.meter_id = m.id
               WHERE m.household_id = a.household_id ORDER BY r.read_at DESC, r.id DESC LIMIT 1) AS latest_reading`;

const statementSql = (scope: string) => `
    WITH acc AS (
      SELECT a.id, a.compound_id, a.household_id, a.holder_name, a.phone, a.opened_on, a.closed_on,
             h.building, h.unit, h.room, h.area_m2::text AS area_m2, c.code AS compound_code, c.name AS compound_name, c.time_zone,
             c.provider_id, c.due_days, p.name AS provider_name,
             p.payee_name, p.bank_name, p.bank_account, p.pay_qr, p.pay_hotline, p.pay_note_zh, p.pay_note_en,
             ${STAMP_COLUMNS}
      FROM accounts a
      JOIN households h ON h.id = a.household_id
      JOIN compounds c ON c.id = a.compound_id
      JOIN providers p ON p.id = c.provider_id
      WHERE a.id = $1 ${scope}
    ), season AS (
      SELECT s.label, s.heating_start, s.heating_end, s.cooling_start, s.cooling_end,
             s.unit_rate::text AS unit_rate, s.cap_per_m2::text AS cap_per_m2, s.flat_billing
      FROM seasons s JOIN acc ON s.compound_id = acc.compound_id
      WHERE $2::text IS NULL OR s.label = $2::text
      ORDER BY (acc.today >= s.heating_start AND acc.today < s.cooling_end) DESC,
               (s.heating_start <= acc.today) DESC,
               CASE WHEN s.heating_start <= acc.today THEN s.label END DESC,
               s.label
      LIMIT 1
    )
    SELECT acc.id, acc.compound_id, acc.household_id, acc.holder_name, acc.phone, acc.opened_on, acc.closed_on,
           acc.building, acc.unit, acc.room, acc.area_m2, acc.compound_code, acc.compound_name, acc.time_zone,
           acc.provider_id, acc.due_days, acc.latest_reading, acc.provider_name,
           acc.payee_name, acc.bank_name, acc.bank_account, acc.pay_qr, acc.pay_hotline, acc.pay_note_zh, acc.pay_note_en,
           (SELECT coalesce(json_agg(s.label ORDER BY s.label), '[]') FROM seasons s
             WHERE s.compound_id = acc.compound_id AND s.cooling_end > acc.opened_on
               AND (acc.closed_on IS NULL OR s.heating_start < acc.closed_on)) AS seasons,
           acc.statement_version, acc.compound_version, acc.today, acc.invoice_count,
           (SELECT row_to_json(season) FROM season) AS season,
           (SELECT p.plan FROM account_plans p, season WHERE p.account_id = acc.id AND p.season_label = season.label) AS plan,
           (SELECT coalesce(sum(i.total_fen), 0)::bigint FROM invoices i
             WHERE i.account_id = acc.id AND i.status <> 'void') AS invoiced_fen,
           (SELECT coalesce(sum(p.amount_fen), 0)::bigint FROM payments p WHERE p.account_id = acc.id) AS paid_fen,
           (SELECT json_build_object('fen', coalesce(sum(i.total_fen - i.paid_fen), 0), 'earliest_due_on', min(i.due_on),
                                     'numbers', coalesce(json_agg(i.number ORDER BY i.due_on, i.number), '[]'))
              FROM invoices i
              WHERE i.account_id = acc.id AND i.status IN ('issued', 'partially_paid') AND i.total_fen > i.paid_fen) AS open_due,
           (SELECT coalesce(sum(sc.fen), 0)::bigint FROM season_charges sc, season
             WHERE sc.account_id = acc.id AND sc.season_label = season.label) AS season_charges_fen,
           (SELECT coalesce(-sum(l.amount_fen), 0)::bigint FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id, season
             WHERE i.account_id = acc.id AND i.status <> 'void' AND l.kind = 'cap' AND l.season_label = season.label) AS cap_saved_fen,
           ((SELECT coalesce(sum(p.unallocated_fen), 0) FROM payments p WHERE p.account_id = acc.id AND p.unallocated_fen > 0)
            + (SELECT coalesce(sum(i.unallocated_credit_fen), 0) FROM invoices i
               WHERE i.account_id = acc.id AND i.unallocated_credit_fen > 0))::bigint AS credit_fen,
           (SELECT coalesce(json_agg(x ORDER BY x.period, x.number), '[]')
              FROM (SELECT i.id, i.number, i.account_id, i.household_id, i.period, i.issued_on, i.due_on, i.status, i.plan,
                           i.total_fen, i.paid_fen, i.no_reading, i.usage_units::text AS usage_units,
                           (SELECT coalesce(json_agg(l ORDER BY l.line_no), '[]')
                              FROM (SELECT l.line_no, l.kind, l.description, l.units::text AS units,
                                           l.unit_rate::text AS unit_rate, l.amount_fen, l.estimated
                                    FROM invoice_lines l WHERE l.invoice_id = i.id) l) AS lines
                    FROM invoices i, season
                    WHERE i.account_id = acc.id AND i.season_label = season.label) x) AS invoices,
           (SELECT coalesce(json_agg(y ORDER BY y.paid_at, y.created_at), '[]')
              FROM (SELECT p.id, p.amount_fen, p.paid_at, p.created_at, p.reference, p.unallocated_fen
                    FROM payments p WHERE p.account_id = acc.id) y) AS payments,
           (SELECT coalesce(json_agg(z ORDER BY z.created_at, z.id), '[]')
              FROM (SELECT d.id, d.amount_fen, d.description, d.created_at
                    FROM account_adjustments d WHERE d.account_id = acc.id AND d.applied_invoice_id IS NULL) z) AS pending_adjustments
    FROM acc`;

const stampSql = (scope: string) => `
    SELECT ${STAMP_COLUMNS}
    FROM accounts a JOIN compounds c ON c.id = a.compound_id
    WHERE a.id = $1 ${scope}`;

/** Named statements per role (see loadStatement), scoped to the account in the caller's scope: the whole statement, and its stamp alone. */
const SCOPE = { provider: 'c.provider_id', account: 'a.id' };
const STATEMENTS = namedPerRole((role) => `statement_${role}_v4`, statementSql, SCOPE, '$3');
const STAMPS = namedPerRole((role) => `statement_stamp_${role}_v4`, stampSql, SCOPE, '$2');

/**
 * Everything a statement shows, in ONE statement (one round trip, one snapshot, so balance,
 * invoices and payments agree): the account in the caller's scope (no row: 404), its household
 * and compound, the season (the one asked for; else the one containing today in the compound's
 * zone, else the latest begun, else the earliest), the plan, the season's invoices with lines,
 * the account's payments and its all-time totals. Every part is an index lookup by account id.
 *
 * A NAMED (prepared) statement, one text per role, run on the pg pool rather than through Kysely
 * (which cannot name a statement): each pool connection parses it once, and PostgreSQL's plan
 * cache then skips planning this many-part query on every request (planning cost more than
 * executing it). Parameters are bound, never interpolated.
 */
export async function loadStatement(
  db: Queryable,
  accountId: string,
  principal: Principal,
  seasonLabel: string | undefined,
): Promise<StatementRow | undefined> {
  const statement = STATEMENTS[principal.role];
  const values = [accountId, seasonLabel ?? null, ...scopeValues(principal)];
  const [row] = await queryRows<StatementRow>(db, statement, values);
  return row;
}

/** The stamp of an account in the caller's scope (undefined: none such), to check a cached statement with. */
export async function loadStatementStamp(db: Queryable, accountId: string, principal: Principal): Promise<StatementStamp | undefined> {
  const stamp = STAMPS[principal.role];
  const [row] = await queryRows<StatementStamp>(db, stamp, [accountId, ...scopeValues(principal)]);
  return row;
}
