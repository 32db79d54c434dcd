/**
 * The ledger's queries (SPEC §5 "Billing moves forward"), set-wise: the batch asks for a chunk of
 * accounts, corrections, voids, move-outs and statements for one. Every "where does billing
 * stand" and "billed so far this season" question is answered here and nowhere else; the rules
 * applied to the rows are the core's (src/core/ledger.ts).
 */
import { parseQuantity, type BilledInterval, type LedgerMeter, type Opening, type RegisterPoint } from '../core/index.js';
import type { InvoiceKind, InvoiceStatus } from '../db/types.js';
import { queryRows, type Queryable } from '../db/sql.js';

/** An account's latest ledger slot and the register position its latest interval ended at. */
export interface LedgerHead {
  accountId: string;
  /** The latest invoice's slot (0: none yet). */
  lastSeq: number;
  lastPeriod: string | null;
  lastKind: InvoiceKind | null;
  /** Where the latest interval ended, at the reading's current value; null: no interval yet (the opening). */
  end: RegisterPoint | null;
}

/*
 * Per account, the latest invoice (one probe on (account_id, account_seq)) and, nearly always in
 * one more probe, that invoice's last interval. Only when the latest invoice billed no interval
 * (an invoice from before the ledger, or one without usage) does the second branch look further
 * back, for the latest invoice that did; UNION ALL under LIMIT 1 runs it only then. So the cost
 * stays flat as an account's history grows (issue 27: the old single query sorted every interval
 * of every invoice of the account, and each month's batch got slower). The end's value is its
 * reading's current value, so a corrected reading moves where the next invoice starts.
 */
const HEADS_SQL = `
SELECT a.id AS account_id, coalesce(li.account_seq, 0) AS last_seq, li.period AS last_period, li.kind AS last_kind,
       lv.meter_id, lv.to_reading_id, coalesce(r.value, lv.to_value)::text AS to_value, lv.to_at, lv.estimated
FROM unnest($1::uuid[]) AS a(id)
LEFT JOIN LATERAL (
  SELECT i.id, i.account_seq, i.period, i.kind FROM invoices i WHERE i.account_id = a.id ORDER BY i.account_seq DESC LIMIT 1
) li ON true
LEFT JOIN LATERAL (
  (SELECT v.meter_id, v.to_reading_id, v.to_value, v.to_at, v.estimated
   FROM invoice_intervals v WHERE v.invoice_id = li.id
   ORDER BY v.interval_no DESC LIMIT 1)
  UNION ALL
  (SELECT v.meter_id, v.to_reading_id, v.to_value, v.to_at, v.estimated
   FROM invoices i JOIN invoice_intervals v ON v.invoice_id = i.id
   WHERE i.account_id = a.id AND i.account_seq < li.account_seq
   ORDER BY i.account_seq DESC, v.interval_no DESC
   LIMIT 1)
  LIMIT 1
) lv ON true
LEFT JOIN readings r ON r.id = lv.to_reading_id`;

interface HeadRow {
  account_id: string;
  last_seq: number;
  last_period: string | null;
  last_kind: InvoiceKind | null;
  meter_id: string | null;
  to_reading_id: number | null;
  to_value: string | null;
  to_at: Date | null;
  estimated: boolean | null;
}

/** Where the head's interval ended; an estimated end stays an estimate (SPEC §9), trued up by the next real reading. */
function headEnd(r: HeadRow): RegisterPoint | null {
  if (r.meter_id === null) return null;
  const end: RegisterPoint = { meterId: r.meter_id, readingId: r.to_reading_id, value: r.to_value as string, at: r.to_at as Date };
  if (r.estimated === true) end.estimated = true;
  return end;
}

export async function ledgerHeads(q: Queryable, accountIds: readonly string[]): Promise<Map<string, LedgerHead>> {
  const rows = accountIds.length === 0 ? [] : await queryRows<HeadRow>(q, HEADS_SQL, [accountIds]);
  return new Map(
    rows.map((r) => [
      r.account_id,
      {
        accountId: r.account_id,
        lastSeq: r.last_seq,
        lastPeriod: r.last_period,
        lastKind: r.last_kind,
        end: headEnd(r),
      },
    ]),
  );
}

/*
 * "Billed so far this season": the view season_charges (db/migrations/0014_billing_ledger.sql),
 * every line of the season on the account's invoices that are not void (usage, cap, flat,
 * adjustment and final lines alike; late fees charge no season). Statements read the same view.
 */
const SEASON_CHARGES_SQL = `
SELECT account_id, season_label, fen FROM season_charges
WHERE account_id = ANY($1::uuid[]) AND season_label = ANY($2::text[])`;

/** What each account's seasons have billed so far: account → season → fen (absent: 0). */
export async function seasonCharges(
  q: Queryable,
  accountIds: readonly string[],
  seasonLabels: readonly string[],
): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  if (accountIds.length === 0 || seasonLabels.length === 0) return out;
  for (const r of await queryRows<{ account_id: string; season_label: string; fen: number }>(q, SEASON_CHARGES_SQL, [
    accountIds,
    seasonLabels,
  ])) {
    const seasons = out.get(r.account_id) ?? new Map<string, number>();
    seasons.set(r.season_label, r.fen);
    out.set(r.account_id, seasons);
  }
  return out;
}

/** One account's charges of one season. */
export async function seasonChargesOf(q: Queryable, accountId: string, seasonLabel: string): Promise<number> {
  return (await seasonCharges(q, [accountId], [seasonLabel])).get(accountId)?.get(seasonLabel) ?? 0;
}

/*
 * How an account opened (the core's Opening): its opening value at the CURRENT value of the reading
 * it was taken from (a corrected opening reading moves it, as it moves an interval's endpoint),
 * else the value given at opening. The batch reads the same expression set-wise (billing/facts.ts,
 * on `accounts a LEFT JOIN readings o ON o.id = a.opening_reading_id`).
 */
export const OPENING_VALUE_SQL = 'coalesce(o.value, a.opening_reading)';
const OPENINGS_SQL = `
SELECT a.id, ${OPENING_VALUE_SQL}::text AS value, a.opening_reading_id AS reading_id,
       (a.opened_on::timestamp AT TIME ZONE c.time_zone) AS opened_at
FROM accounts a
JOIN compounds c ON c.id = a.compound_id
LEFT JOIN readings o ON o.id = a.opening_reading_id
WHERE a.id = ANY($1::uuid[])`;

/** The openings of some accounts, by account: where the move-out, the batch and the account's own page start from. */
export async function accountOpenings(q: Queryable, accountIds: readonly string[]): Promise<Map<string, Opening>> {
  if (accountIds.length === 0) return new Map();
  const rows = await queryRows<{ id: string; value: string | null; reading_id: number | null; opened_at: Date }>(q, OPENINGS_SQL, [
    accountIds,
  ]);
  return new Map(rows.map((r) => [r.id, { openedAt: r.opened_at, value: r.value, readingId: r.reading_id }]));
}

/** A household meter with the latest reading before an instant (null: none). */
export interface MeterWithReading extends LedgerMeter {
  householdId: string;
  latest: RegisterPoint | null;
}

/*
 * The households' meters in installation order, each with the stored reading of its final value
 * (at its retirement) and its latest reading before $2 (index (meter_id, read_at)).
 */
const METERS_SQL = `
SELECT m.id, m.household_id, m.replaces_meter_id, m.initial_reading::text AS initial_reading,
       m.final_reading::text AS final_reading, m.installed_at, m.retired_at, fr.id AS final_reading_id,
       lr.id AS reading_id, lr.value::text AS reading_value, lr.read_at AS reading_at
FROM meters m
LEFT JOIN readings fr ON fr.meter_id = m.id AND fr.read_at = m.retired_at
LEFT JOIN LATERAL (
  SELECT r.id, r.value, r.read_at FROM readings r
  WHERE r.meter_id = m.id AND r.read_at < $2
  ORDER BY r.read_at DESC LIMIT 1
) lr ON true
WHERE m.household_id = ANY($1::uuid[])
ORDER BY m.household_id, m.installed_at, m.id`;

interface MeterRow {
  id: string;
  household_id: string;
  replaces_meter_id: string | null;
  initial_reading: string;
  final_reading: string | null;
  installed_at: Date;
  retired_at: Date | null;
  final_reading_id: number | null;
  reading_id: number | null;
  reading_value: string | null;
  reading_at: Date | null;
}

/** The meters of some households with their latest reading before `before`, by household. */
export async function householdMeters(
  q: Queryable,
  householdIds: readonly string[],
  before: Date,
): Promise<Map<string, MeterWithReading[]>> {
  const out = new Map<string, MeterWithReading[]>();
  if (householdIds.length === 0) return out;
  for (const m of await queryRows<MeterRow>(q, METERS_SQL, [householdIds, before])) {
    const list = out.get(m.household_id) ?? [];
    list.push({
      id: m.id,
      householdId: m.household_id,
      replacesId: m.replaces_meter_id,
      installedAt: m.installed_at,
      retiredAt: m.retired_at,
      initialReading: m.initial_reading,
      finalReading: m.final_reading,
      finalReadingId: m.final_reading_id,
      latest:
        m.reading_id === null
          ? null
          : { meterId: m.id, readingId: m.reading_id, value: m.reading_value as string, at: m.reading_at as Date },
    });
    out.set(m.household_id, list);
  }
  return out;
}

/** An interval on one of the account's invoices, with that invoice. */
export interface AccountInterval extends BilledInterval {
  invoiceId: string;
  number: string;
  accountSeq: number;
  invoiceKind: InvoiceKind;
  invoiceStatus: InvoiceStatus;
  /** The interval's units when it was billed (to − from as then stored); `units` is at the current values. */
  billedUnits: bigint;
}

/*
 * Every interval of an account in ledger order. Its endpoints are given at the readings' CURRENT
 * values (a corrected reading moves them); the values as billed are kept alongside.
 */
const ACCOUNT_INTERVALS_SQL = `
SELECT i.id AS invoice_id, i.number, i.account_seq, i.kind, i.status, v.interval_no, v.season_label, v.meter_id,
       v.from_reading_id, v.from_value::text AS from_value, coalesce(rf.value, v.from_value)::text AS from_current, v.from_at,
       v.to_reading_id, v.to_value::text AS to_value, coalesce(rt.value, v.to_value)::text AS to_current, v.to_at, v.estimated
FROM invoices i
JOIN invoice_intervals v ON v.invoice_id = i.id
LEFT JOIN readings rf ON rf.id = v.from_reading_id
LEFT JOIN readings rt ON rt.id = v.to_reading_id
WHERE i.account_id = $1
ORDER BY i.account_seq, v.interval_no`;

interface IntervalRow {
  invoice_id: string;
  number: string;
  account_seq: number;
  kind: InvoiceKind;
  status: InvoiceStatus;
  interval_no: number;
  season_label: string;
  meter_id: string;
  from_reading_id: number | null;
  from_value: string;
  from_current: string;
  from_at: Date;
  to_reading_id: number | null;
  to_value: string;
  to_current: string;
  to_at: Date;
  estimated: boolean;
}

export async function accountIntervals(q: Queryable, accountId: string): Promise<AccountInterval[]> {
  const toUnits = (value: string) => parseQuantity(value, 'register value');
  return (await queryRows<IntervalRow>(q, ACCOUNT_INTERVALS_SQL, [accountId])).map((r) => ({
    invoiceId: r.invoice_id,
    number: r.number,
    accountSeq: r.account_seq,
    invoiceKind: r.kind,
    invoiceStatus: r.status,
    seasonLabel: r.season_label,
    meterId: r.meter_id,
    from: { meterId: r.meter_id, readingId: r.from_reading_id, value: r.from_current, at: r.from_at },
    to: { meterId: r.meter_id, readingId: r.to_reading_id, value: r.to_current, at: r.to_at },
    units: toUnits(r.to_current) - toUnits(r.from_current),
    billedUnits: toUnits(r.to_value) - toUnits(r.from_value),
    estimated: r.estimated,
  }));
}

/*
 * The accounts with an interval that starts or ends on a reading (a correction reaches them).
 * Found from the reading's side, not by an index on the intervals' reading ids (dropped in
 * migration 0018: every monthly invoice paid for two of them): an interval on a reading is on
 * the reading's meter, on an invoice of an account of the meter's household, so the candidates
 * are that household's invoices (by account and ledger slot) and their intervals (by key).
 */
export async function accountsBilledOnReading(q: Queryable, readingId: number): Promise<string[]> {
  const rows = await queryRows<{ account_id: string }>(
    q,
    `SELECT DISTINCT i.account_id
     FROM readings r
     JOIN meters m ON m.id = r.meter_id
     JOIN accounts a ON a.household_id = m.household_id
     JOIN invoices i ON i.account_id = a.id
     JOIN invoice_intervals v ON v.invoice_id = i.id
     WHERE r.id = $1 AND (v.to_reading_id = r.id OR v.from_reading_id = r.id)
     ORDER BY i.account_id`,
    [readingId],
  );
  return rows.map((r) => r.account_id);
}
