import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Database } from '../../src/db/pool.js';
import { insertDefaultSeason, insertHome, insertReadings, type HomeOptions } from './data.js';

/** The 28th of a month at noon, Wuhan time: one reading a month. */
export const readAt = (period: string, day = 28) => `${period}-${String(day).padStart(2, '0')}T12:00:00+08:00`;

export const SEASON_MONTHS = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-06', '2026-07', '2026-08', '2026-09'];

/** A provider and a compound with the default 2025-26 season, inserted directly. */
export async function insertCompound(db: Database, code: string, providerId?: string) {
  const provider =
    providerId ??
    (
      await db
        .insertInto('providers')
        .values({ name: `Provider ${code}` })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const compound = await db
    .insertInto('compounds')
    .values({ code, name: `${code} 小区`, district: '洪山区', provider_id: provider })
    .returning(['id', 'code'])
    .executeTakeFirstOrThrow();
  await insertDefaultSeason(db, compound.id);
  return { providerId: provider, compoundId: compound.id, code: compound.code };
}

/** A home with readings: [period or ISO instant, cumulative value]. */
export async function insertHomeWithReadings(
  db: Database,
  compoundId: string,
  options: HomeOptions & { readings?: Array<[string, string]> } = {},
) {
  const home = await insertHome(db, compoundId, options);
  await insertReadings(
    db,
    compoundId,
    home.meterId,
    (options.readings ?? []).map(([when, value]) => [when.length === 7 ? readAt(when) : when, value]),
  );
  return home;
}

/** Cumulative readings producing the given units per month, from `from`. */
export function cumulative(units: Array<[string, number]>, from = 0): Array<[string, string]> {
  let value = from;
  return units.map(([period, u]) => {
    value += u;
    return [period, String(value)];
  });
}

/** POST /v1/billing-runs and return the response. */
export async function postRun(
  app: FastifyInstance,
  headers: Record<string, string>,
  payload: { period: string; compound?: string; dryRun?: boolean },
) {
  return app.inject({ method: 'POST', url: '/v1/billing-runs', headers, payload });
}

/** Every invoice of a compound (or all) with its lines, as comparable plain data, by number. */
export async function invoiceSnapshot(db: Database, compoundId?: string) {
  const invoices = await db
    .selectFrom('invoices as i')
    .innerJoin('accounts as a', 'a.id', 'i.account_id')
    .select([
      'i.id',
      'i.number',
      'i.seq',
      'i.period',
      'a.holder_name',
      'i.plan',
      'i.total_fen',
      'i.status',
      'i.no_reading',
      'i.usage_units',
      'i.issued_on',
      'i.due_on',
      'i.season_label',
    ])
    .$if(compoundId !== undefined, (qb) => qb.where('i.compound_id', '=', compoundId!))
    .orderBy('i.number')
    .execute();
  const lines = await db
    .selectFrom('invoice_lines')
    .select(['invoice_id', 'line_no', 'kind', 'description', 'units', 'unit_rate', 'amount_fen'])
    .orderBy('invoice_id')
    .orderBy('line_no')
    .execute();
  const byInvoice = new Map<string, Array<Omit<(typeof lines)[number], 'invoice_id'>>>();
  for (const { invoice_id: invoiceId, ...line } of lines) {
    const list = byInvoice.get(invoiceId) ?? [];
    list.push(line);
    byInvoice.set(invoiceId, list);
  }
  const intervals = await db
    .selectFrom('invoice_intervals')
    .select(['invoice_id', 'interval_no', 'season_label', 'from_value', 'to_value', 'estimated'])
    .orderBy('invoice_id')
    .orderBy('interval_no')
    .execute();
  const intervalsBy = new Map<string, Array<Omit<(typeof intervals)[number], 'invoice_id'>>>();
  for (const { invoice_id: invoiceId, ...interval } of intervals) {
    const list = intervalsBy.get(invoiceId) ?? [];
    list.push(interval);
    intervalsBy.set(invoiceId, list);
  }
  return invoices.map(({ id, ...invoice }) => ({ ...invoice, lines: byInvoice.get(id) ?? [], intervals: intervalsBy.get(id) ?? [] }));
}

/** Where an invoice's usage ended: its last register interval (value as billed, reading, meter). */
export async function invoiceEnd(db: Database, invoiceId: string) {
  return db
    .selectFrom('invoice_intervals')
    .select(['to_value', 'to_reading_id', 'meter_id', 'from_value', 'from_reading_id'])
    .where('invoice_id', '=', invoiceId)
    .orderBy('interval_no', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
}

/*
 * Every relation of the invoice tables that foreign keys no longer check (migration 0018), as a
 * list of the rows that break one: empty when every invoice, line and register interval points at
 * rows that exist and belong together (the account and meter of the invoice's household, the
 * reading on the interval's meter, the season of the compound, the run).
 */
const BROKEN_REFERENCES_SQL = `
SELECT 'invoice ' || i.number || ': ' || b.what AS broken
FROM invoices i
LEFT JOIN accounts a ON a.id = i.account_id
LEFT JOIN households h ON h.id = i.household_id
LEFT JOIN compounds c ON c.id = i.compound_id
LEFT JOIN seasons s ON s.compound_id = i.compound_id AND s.label = i.season_label
LEFT JOIN billing_runs r ON r.id = i.billing_run_id
CROSS JOIN LATERAL (VALUES
  (CASE WHEN a.id IS NULL OR a.household_id <> i.household_id OR a.compound_id <> i.compound_id THEN 'account' END),
  (CASE WHEN h.id IS NULL OR h.compound_id <> i.compound_id THEN 'household' END),
  (CASE WHEN c.id IS NULL THEN 'compound' END),
  (CASE WHEN s.label IS NULL THEN 'season' END),
  (CASE WHEN i.billing_run_id IS NOT NULL AND r.id IS NULL THEN 'billing run' END)
) AS b(what)
WHERE b.what IS NOT NULL
UNION ALL
SELECT 'line ' || l.invoice_id || '/' || l.line_no || ': ' || b.what
FROM invoice_lines l
LEFT JOIN invoices i ON i.id = l.invoice_id
LEFT JOIN seasons s ON s.compound_id = l.compound_id AND s.label = l.season_label
CROSS JOIN LATERAL (VALUES
  (CASE WHEN i.id IS NULL OR i.compound_id <> l.compound_id THEN 'invoice' END),
  (CASE WHEN l.season_label IS NOT NULL AND s.label IS NULL THEN 'season' END)
) AS b(what)
WHERE b.what IS NOT NULL
UNION ALL
SELECT 'interval ' || v.invoice_id || '/' || v.interval_no || ': ' || b.what
FROM invoice_intervals v
LEFT JOIN invoices i ON i.id = v.invoice_id
LEFT JOIN meters m ON m.id = v.meter_id
LEFT JOIN readings rf ON rf.id = v.from_reading_id
LEFT JOIN readings rt ON rt.id = v.to_reading_id
LEFT JOIN seasons s ON s.compound_id = v.compound_id AND s.label = v.season_label
CROSS JOIN LATERAL (VALUES
  (CASE WHEN i.id IS NULL OR i.compound_id <> v.compound_id THEN 'invoice' END),
  (CASE WHEN m.id IS NULL OR m.household_id <> i.household_id THEN 'meter' END),
  (CASE WHEN v.from_reading_id IS NOT NULL AND (rf.id IS NULL OR rf.meter_id <> v.meter_id) THEN 'from reading' END),
  (CASE WHEN v.to_reading_id IS NOT NULL AND (rt.id IS NULL OR rt.meter_id <> v.meter_id) THEN 'to reading' END),
  (CASE WHEN s.label IS NULL THEN 'season' END)
) AS b(what)
WHERE b.what IS NOT NULL
ORDER BY 1`;

export async function brokenInvoiceReferences(db: Database): Promise<string[]> {
  const { rows } = await sql.raw<{ broken: string }>(BROKEN_REFERENCES_SQL).execute(db);
  return rows.map((r) => r.broken);
}
