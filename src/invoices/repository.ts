import { inScope, namedPerRole, scopeValues } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import { sql } from 'kysely';
import { queryRows, type Queryable } from '../db/sql.js';
import { groupBy } from '../db/group.js';
import type { Executor } from '../db/pool.js';
import type { Invoice, InvoiceLine, InvoiceStatus } from '../db/types.js';
import { invoiceOut, type InvoiceOut } from './schemas.js';

/** An invoice row with what its printable page needs: compound, household and holder. */
export interface InvoiceDetailRow extends Invoice {
  compound_code: string;
  /** Today's date in the compound's zone, for the invoice's overdue flag. */
  today: string;
  compound_name: string;
  time_zone: string;
  building: string;
  unit: string;
  room: string;
  holder_name: string;
  phone: string | null;
}

export interface LoadedInvoice {
  row: InvoiceDetailRow;
  lines: InvoiceLine[];
}

/** Today's date in the compound `c`'s zone (the overdue flag's "today"). */
const localToday = () => sql<string>`(now() AT TIME ZONE c.time_zone)::date`;

function detailQuery(db: Executor) {
  return db
    .selectFrom('invoices as i')
    .innerJoin('compounds as c', 'c.id', 'i.compound_id')
    .innerJoin('households as h', 'h.id', 'i.household_id')
    .innerJoin('accounts as a', 'a.id', 'i.account_id')
    .selectAll('i')
    .select([
      'c.code as compound_code',
      'c.name as compound_name',
      'c.time_zone',
      'h.building',
      'h.unit',
      'h.room',
      'a.holder_name',
      'a.phone',
      localToday().as('today'),
    ]);
}

/** Lines of many invoices in one query, grouped by invoice id, in line order. */
export async function loadInvoiceLines(db: Executor, invoiceIds: readonly string[]): Promise<Map<string, InvoiceLine[]>> {
  if (invoiceIds.length === 0) return new Map();
  const lines = await db
    .selectFrom('invoice_lines')
    .selectAll()
    .where('invoice_id', 'in', [...invoiceIds])
    .orderBy('invoice_id')
    .orderBy('line_no')
    .execute();
  return groupBy(lines, (line) => line.invoice_id);
}

/**
 * Invoices by id with their lines, NOT scoped (callers scope first or pass ids they found in
 * scope), in period then number order. Two queries whatever the count. For reuse by corrections.
 */
export async function loadInvoices(db: Executor, ids: readonly string[]): Promise<LoadedInvoice[]> {
  if (ids.length === 0) return [];
  const rows = await detailQuery(db).where('i.id', 'in', [...ids]).orderBy('i.period').orderBy('i.number').execute();
  const lines = await loadInvoiceLines(db, rows.map((r) => r.id));
  return rows.map((row) => ({ row, lines: lines.get(row.id) ?? [] }));
}

/** loadInvoices serialized to the API shape. */
export async function loadInvoicesOut(db: Executor, ids: readonly string[]): Promise<InvoiceOut[]> {
  return (await loadInvoices(db, ids)).map(({ row, lines }) => invoiceOut(row, lines, row.compound_code, row.today));
}

const INVOICE_COLUMNS = [
  'id', 'compound_id', 'account_id', 'household_id', 'season_label', 'period', 'kind', 'seq', 'number', 'issued_on', 'due_on',
  'plan', 'total_fen', 'paid_fen', 'status', 'no_reading', 'usage_units', 'billing_run_id',
  'void_reason', 'voided_at', 'created_at',
] as const satisfies ReadonlyArray<keyof Invoice>;

const invoiceInScopeSql = (scope: string) => `
    SELECT ${INVOICE_COLUMNS.map((c) => `i.${c}`).join(', ')},
           c.code AS compound_code, c.name AS compound_name, c.time_zone, h.building, h.unit, h.room, a.holder_name, a.phone,
           (now() AT TIME ZONE c.time_zone)::date AS today,
           (SELECT coalesce(json_agg(l ORDER BY l.line_no), '[]')
              FROM (SELECT l.invoice_id, l.line_no, l.compound_id, l.kind, l.description, l.units::text AS units,
                           l.unit_rate::text AS unit_rate, l.amount_fen, l.estimated
                    FROM invoice_lines l WHERE l.invoice_id = i.id) l) AS lines
    FROM invoices i
    JOIN compounds c ON c.id = i.compound_id
    JOIN households h ON h.id = i.household_id
    JOIN accounts a ON a.id = i.account_id
    WHERE i.id = $1 ${scope}`;

const INVOICE_IN_SCOPE = namedPerRole(
  (role) => `invoice_in_scope_${role}_v2`,
  invoiceInScopeSql,
  { provider: 'c.provider_id', account: 'i.account_id' },
  '$2',
);

/**
 * One invoice the caller may see, scope in the query (admin: any; operator: its provider's
 * compounds; resident: its own account), or undefined, answered as 404 like a missing one.
 * One round trip: the lines come along as JSON (numerics as text, never through a float). A NAMED
 * (prepared) statement, one text per role, on the pg pool (Kysely cannot name a statement), so
 * PostgreSQL plans it once per connection instead of on every request.
 */
export async function findInvoiceInScope(db: Queryable, id: string, principal: Principal): Promise<LoadedInvoice | undefined> {
  const statement = INVOICE_IN_SCOPE[principal.role];
  const values = [id, ...scopeValues(principal)];
  const [found] = await queryRows<InvoiceDetailRow & { lines: InvoiceLine[] }>(db, statement, values);
  if (!found) return undefined;
  const { lines, ...row } = found;
  return { row, lines };
}

export interface InvoiceFilters {
  compound?: string | undefined;
  period?: string | undefined;
  accountId?: string | undefined;
  status?: InvoiceStatus | undefined;
  number?: string | undefined;
  room?: string | undefined;
}

/** The list's sort key, also its cursor: (period, number, id). */
export type InvoiceCursor = [string, string, string];

/** The list's order on that key: oldest first (the default), or newest first (the console's search). */
export type InvoiceOrder = 'oldest' | 'newest';

/**
 * A page of invoices the caller may see (limit + 1 rows), ordered by period, number, id, ascending
 * or (`newest`) descending; the cursor is the last row's key either way.
 * Residents are confined to their own account whatever the filters say. `number` matches in any
 * case (numbers are upper case); `room` matches the household's room exactly, in any building.
 */
export async function listInvoicesInScope(
  db: Executor,
  principal: Principal,
  filters: InvoiceFilters,
  after: InvoiceCursor | undefined,
  limit: number,
  order: InvoiceOrder = 'oldest',
) {
  const [direction, beyond] = order === 'newest' ? (['desc', '<'] as const) : (['asc', '>'] as const);
  let query = db
    .selectFrom('invoices as i')
    .innerJoin('compounds as c', 'c.id', 'i.compound_id')
    .selectAll('i')
    .select(['c.code as compound_code', localToday().as('today')])
    .where((eb) => inScope(eb, principal, { provider: 'c.provider_id', account: 'i.account_id' }));
  if (filters.compound !== undefined) query = query.where('c.code', '=', filters.compound);
  if (filters.period !== undefined) query = query.where('i.period', '=', filters.period);
  if (filters.accountId !== undefined) query = query.where('i.account_id', '=', filters.accountId);
  if (filters.status !== undefined) query = query.where('i.status', '=', filters.status);
  if (filters.number !== undefined) query = query.where('i.number', '=', filters.number.trim().toUpperCase());
  if (filters.room !== undefined) {
    const room = filters.room.trim();
    query = query.where('i.account_id', 'in', (eb) =>
      eb.selectFrom('accounts as a').innerJoin('households as h', 'h.id', 'a.household_id').select('a.id').where('h.room', '=', room),
    );
  }
  if (after !== undefined) {
    query = query.where((eb) => eb(eb.refTuple('i.period', 'i.number', 'i.id'), beyond, eb.tuple(after[0], after[1], after[2])));
  }
  return query
    .orderBy('i.period', direction)
    .orderBy('i.number', direction)
    .orderBy('i.id', direction)
    .limit(limit + 1)
    .execute();
}
