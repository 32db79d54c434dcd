import { sql, type RawBuilder } from 'kysely';

/**
 * SPEC §9 "Arrears": an invoice is overdue on a local date while it is issued or partially paid,
 * something is owed on it, and the date is after its dueOn. The one statement of that rule, as a SQL
 * fragment over the invoices row named `invoice` (an alias, or `invoices`), for the arrears report,
 * the payment notice and the `invoice.overdue` webhook alike.
 *
 * `asOf` is the local date: a 'YYYY-MM-DD' string (bound), or an SQL date expression (the
 * compound's local date of an instant, e.g. `(t AT TIME ZONE c.time_zone)::date`). The status test
 * is written with literals so that the planner can use the open invoices' partial index (0020).
 */
export function overdueOn(invoice: string, asOf: string | RawBuilder<string>): RawBuilder<boolean> {
  const column = (name: string) => sql.ref(`${invoice}.${name}`);
  const date = typeof asOf === 'string' ? sql<string>`${asOf}::date` : asOf;
  return sql<boolean>`(${column('status')} IN ('issued', 'partially_paid') AND ${column('total_fen')} > ${column('paid_fen')}
    AND ${column('due_on')} < ${date})`;
}
