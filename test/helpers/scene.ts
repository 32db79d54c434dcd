import { sql } from 'kysely';
import type { Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../src/db/pool.js';
import { parseSignedQuantity } from '../../src/core/index.js';
import { testApp } from './app.js';
import { operatorWithCompound } from './fixtures.js';
import { putSeason } from './registry.js';

/**
 * Ledger scenarios driven as an operator would: every change goes through the REST API, and the
 * invariants are read back from the database (what was billed, for which register interval).
 */

export type Headers = Record<string, string>;

/** The app on a clean database, an operator owning compound `code`, and the seasons starting in `years`. */
export async function ledgerScene(t: Test, code: string, years: number[] = [2025]) {
  const scene = await testApp(t);
  const op = await operatorWithCompound(scene.app, code);
  for (const year of years) await putSeason(scene.app, op.headers, code, year);
  return { ...scene, op, headers: op.headers, code };
}

/** POST /v1/readings with [meterSerial, readAt, value] rows; throws unless all are stored. */
export async function postReadings(app: FastifyInstance, headers: Headers, rows: Array<[string, string, string | number]>) {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/readings',
    headers,
    payload: { readings: rows.map(([meterSerial, readAt, value]) => ({ meterSerial, readAt, value: String(value) })) },
  });
  if (response.statusCode !== 201) throw new Error(`readings answered ${response.statusCode}: ${response.body}`);
  return response.json();
}

/** POST /v1/billing-runs for one compound and month: the status code and the run record. */
export async function bill(app: FastifyInstance, headers: Headers, compound: string, period: string, dryRun = false) {
  const response = await app.inject({ method: 'POST', url: '/v1/billing-runs', headers, payload: { period, compound, dryRun } });
  return { status: response.statusCode, run: response.json() };
}

/** Bills the months in the order given; throws on any run that does not succeed. */
export async function billMonths(app: FastifyInstance, headers: Headers, compound: string, periods: readonly string[]) {
  for (const period of periods) {
    const { status, run } = await bill(app, headers, compound, period);
    if (status !== 201 || run.status !== 'succeeded') throw new Error(`run ${period} answered ${status}: ${JSON.stringify(run)}`);
  }
}

/**
 * Units the ledger has billed an account: every register interval of every invoice, void ones
 * included (a void invoice's usage stays billed; its money is re-billed by adjustments), valued at
 * the readings' current values, since a correction re-prices the intervals that start or end on it.
 */
export async function unitsBilled(db: Database, accountId: string): Promise<bigint> {
  const row = await sql<{ units: string | null }>`
    SELECT sum(coalesce(t.value, v.to_value) - coalesce(f.value, v.from_value))::text AS units
    FROM invoice_intervals v
    JOIN invoices i ON i.id = v.invoice_id
    LEFT JOIN readings f ON f.id = v.from_reading_id
    LEFT JOIN readings t ON t.id = v.to_reading_id
    WHERE i.account_id = ${accountId}`.execute(db);
  return parseSignedQuantity(row.rows[0]?.units ?? '0');
}

/** Σ of the usage lines' units on an account's non-void invoices (credits of a late move-out are negative). */
export async function unitsInvoiced(db: Database, accountId: string): Promise<bigint> {
  const row = await sql<{ units: string | null }>`
    SELECT sum(l.units)::text AS units
    FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
    WHERE i.account_id = ${accountId} AND i.status <> 'void' AND l.kind = 'usage'`.execute(db);
  return parseSignedQuantity(row.rows[0]?.units ?? '0');
}

/** Every charge of a season on an account's non-void invoices, in fen (the season_charges view). */
export async function seasonCharged(db: Database, accountId: string, season: string): Promise<number> {
  const row = await sql<{ fen: number | null }>`
    SELECT fen FROM season_charges WHERE account_id = ${accountId} AND season_label = ${season}`.execute(db);
  return Number(row.rows[0]?.fen ?? 0);
}

/** Invoices of an account still waiting for money. */
export async function openInvoices(db: Database, accountId: string) {
  return db
    .selectFrom('invoices')
    .select(['number', 'status', 'total_fen', 'paid_fen'])
    .where('account_id', '=', accountId)
    .where('status', 'in', ['issued', 'partially_paid'])
    .orderBy('seq')
    .execute();
}

export async function statementOf(app: FastifyInstance, headers: Headers, accountId: string, season = '2025-26') {
  const response = await app.inject({ url: `/v1/accounts/${accountId}/statement?season=${season}`, headers });
  if (response.statusCode !== 200) throw new Error(`statement answered ${response.statusCode}: ${response.body}`);
  return response.json();
}

let paymentKeys = 0;

/** Pays an account's whole balance (if any) and returns the statement read afterwards. */
export async function payBalance(app: FastifyInstance, headers: Headers, accountId: string, season = '2025-26') {
  const before = await statementOf(app, headers, accountId, season);
  if (before.balanceFen > 0) {
    paymentKeys += 1;
    const key = `pay-balance-${accountId}-${paymentKeys}`;
    const response = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...headers, 'idempotency-key': key },
      payload: { accountId, amountFen: before.balanceFen, paidAt: '2026-11-30T10:00:00+08:00', reference: key },
    });
    if (response.statusCode !== 201) throw new Error(`payment answered ${response.statusCode}: ${response.body}`);
  }
  return statementOf(app, headers, accountId, season);
}
