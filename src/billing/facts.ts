/**
 * Billing facts, gathered set-wise (SPEC §5): SQL only collects what the core needs; every rule
 * lives in src/core. The batch streams a compound's accounts in household order in chunks; the
 * same loader with an account filter gives ONE account's facts (corrections, final bills,
 * statements: "what would this month bill"), so there is a single code path.
 */
import { seasonFromRow, type SeasonColumns } from '../seasons/from-row.js';
import {
  dayNumber,
  meterAtOpening,
  dateOfDayNumber,
  parsePeriod,
  periodBounds,
  seasonForPeriod,
  type MeteredUsage,
  usageAcrossMeters,
  type Season,
  type SeasonBilled,
} from '../core/index.js';
import type pg from 'pg';
import { groupBy } from '../db/group.js';
import type { Plan } from '../db/types.js';
import { queryRows, type Queryable } from '../db/sql.js';

export interface BillingCompound {
  id: string;
  code: string;
  providerId: string;
  timeZone: string;
  dueDays: number;
  seasons: Season[];
}

/** A compound and one period: the season the period is a billable month of (if any) and its instants. */
export interface BillingMonth {
  compound: BillingCompound;
  period: string;
  /** Undefined: not a billable month of any season (no invoices). */
  season: Season | undefined;
  /** Local month [start, end) as instants; readings count when read_at < end. */
  start: Date;
  end: Date;
  /** First local date of the month and of the next month. */
  firstDay: string;
  nextFirstDay: string;
}

/** A register position: a stored reading (readingId) or an opening/initial value (readingId null). */
export interface RegisterPoint {
  readingId: number | null;
  meterId: string | null;
  value: string;
  /** Instant of the reading; for an opening value the start of the opening day. */
  at: Date;
}

export interface PendingAdjustmentFact {
  id: string;
  amountFen: number;
  description: string;
  appliesTo: 'usage' | 'flat';
  seasonLabel: string;
}

export interface AccountBillingFacts {
  accountId: string;
  householdId: string;
  householdNo: number;
  plan: Plan;
  areaM2: string;
  openedOn: string;
  closedOn: string | null;
  /** Where this month's usage starts: the current value of the previous invoice's end reading, else the opening reading. */
  start: RegisterPoint;
  /** The latest reading of the household's meters at or before the end of the month, newer than the start; null: none. */
  end: RegisterPoint | null;
  /** The core's usage input (segments across a meter replacement). */
  usage: MeteredUsage;
  /** Already billed this season on non-void invoices (SPEC §5 billedBefore). */
  billed: SeasonBilled;
  /** Adjustments not yet carried by an invoice, oldest first. */
  adjustments: PendingAdjustmentFact[];
}

const COMPOUND_SQL = `
SELECT id, code, provider_id, time_zone, due_days FROM compounds WHERE id = $1`;

const SEASONS_SQL = `
SELECT label, heating_start, heating_end, cooling_start, cooling_end,
       unit_rate::text AS unit_rate, cap_per_m2::text AS cap_per_m2, flat_billing
FROM seasons WHERE compound_id = $1 ORDER BY label`;

/** A compound with its seasons built by the core (once per run, not per invoice). */
export async function loadBillingCompound(q: Queryable, compoundId: string): Promise<BillingCompound | undefined> {
  const [row] = await queryRows<{ id: string; code: string; provider_id: string; time_zone: string; due_days: number }>(q, COMPOUND_SQL, [
    compoundId,
  ]);
  if (!row) return undefined;
  const seasons = (await queryRows<SeasonColumns>(q, SEASONS_SQL, [compoundId])).map(seasonFromRow);
  return { id: row.id, code: row.code, providerId: row.provider_id, timeZone: row.time_zone, dueDays: row.due_days, seasons };
}

export function billingMonth(compound: BillingCompound, period: string): BillingMonth {
  const [y, m] = parsePeriod(period);
  const { start, end } = periodBounds(period, compound.timeZone);
  const firstDay = `${period}-01`;
  const nextFirstDay = dateOfDayNumber(dayNumber(firstDay) + new Date(Date.UTC(y, m, 0)).getUTCDate());
  return { compound, period, season: seasonForPeriod(compound.seasons, period), start, end, firstDay, nextFirstDay };
}

// --- the set-wise queries -------------------------------------------------------------------

/*
 * Accounts with an occupancy overlapping the month (the core decides on service days), in
 * household order (creation order; then opening date). $1 compound, $2 season label, $3 first
 * day of the next month, $4 first day of the month, $5 the compound's time zone.
 */
const ACCOUNTS_SELECT = `
SELECT a.id AS account_id, a.household_id, h.household_no, h.area_m2::text AS area_m2,
       a.opened_on, a.closed_on, a.opening_reading::text AS opening_reading,
       (a.opened_on::timestamp AT TIME ZONE $5::text) AS opened_at,
       coalesce(p.plan, 'metered') AS plan
FROM accounts a
JOIN households h ON h.id = a.household_id
LEFT JOIN account_plans p ON p.account_id = a.id AND p.season_label = $2
WHERE a.compound_id = $1
  AND h.compound_id = $1
  AND a.opened_on < $3::date
  AND (a.closed_on IS NULL OR a.closed_on > $4::date)`;
const HOUSEHOLD_ORDER = 'ORDER BY h.household_no, a.opened_on, a.id';

/*
 * The whole compound, as a cursor read chunk by chunk: the compound is sorted once. (Keyset
 * pages re-sorted what was left of the compound for every chunk, a cost growing with the square
 * of its size.) Declared in the batch's transaction; gone at its end.
 */
const DECLARE_ACCOUNTS_CURSOR = `DECLARE billing_accounts NO SCROLL CURSOR FOR ${ACCOUNTS_SELECT} ${HOUSEHOLD_ORDER}`;
/*
 * A cursor is planned for its first 10% of rows (cursor_tuple_fraction) unless told otherwise;
 * the batch reads every row, so plan it like a whole SELECT. Local to the batch's transaction.
 */
const PLAN_CURSOR_FOR_ALL_ROWS = "SELECT set_config('cursor_tuple_fraction', '1', true)";
const CLOSE_ACCOUNTS_CURSOR = 'CLOSE billing_accounts';
/** FETCH takes no bind parameter: the count is spliced in, and only ever a checked integer. */
const fetchAccounts = (count: number) => {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`chunk size ${count} is not a positive integer`);
  return `FETCH FORWARD ${count} FROM billing_accounts`;
};

/** Some accounts of the compound ($6), e.g. one for a correction or a final bill. */
const LISTED_ACCOUNTS_SQL = `${ACCOUNTS_SELECT} AND a.id = ANY($6::uuid[]) ${HOUSEHOLD_ORDER}`;

/*
 * Of a chunk's accounts, those not due: a monthly invoice for the period exists, or a (non-void)
 * final invoice. A separate set-wise query rather than an anti-join in the accounts query: its
 * cost stays linear per chunk whatever the planner believes about a freshly filled invoices table.
 */
const NOT_DUE_SQL = `
SELECT DISTINCT account_id FROM invoices
WHERE account_id = ANY($1::uuid[])
  AND ((period = $2 AND kind = 'monthly') OR (kind = 'final' AND status <> 'void'))`;

/** The latest earlier monthly invoice (any status) with where it ended: the CURRENT value of its end reading. */
const PREVIOUS_END_SQL = `
SELECT DISTINCT ON (i.account_id) i.account_id, i.end_reading_id, i.end_value::text AS end_value,
       r.value::text AS reading_value, r.meter_id AS reading_meter_id, r.read_at AS reading_at
FROM invoices i
LEFT JOIN readings r ON r.id = i.end_reading_id
WHERE i.account_id = ANY($1::uuid[]) AND i.kind = 'monthly' AND i.period < $2
  AND (i.end_reading_id IS NOT NULL OR i.end_value IS NOT NULL)
ORDER BY i.account_id, i.period DESC, i.created_at DESC`;

/** The households' meters, each with its latest reading before the end of the month (index (meter_id, read_at)). */
const METERS_SQL = `
SELECT m.id, m.household_id, m.replaces_meter_id, m.initial_reading::text AS initial_reading,
       m.final_reading::text AS final_reading, m.installed_at, m.retired_at,
       lr.id AS reading_id, lr.value::text AS reading_value, lr.read_at AS reading_at
FROM meters m
LEFT JOIN LATERAL (
  SELECT r.id, r.value, r.read_at FROM readings r
  WHERE r.meter_id = m.id AND r.read_at < $2
  ORDER BY r.read_at DESC LIMIT 1
) lr ON true
WHERE m.household_id = ANY($1::uuid[])
ORDER BY m.household_id, m.installed_at`;

/**
 * Billed this season on non-void invoices: usage + cap (+ a metered final settlement) lines, and
 * flat lines (+ a flat final settlement); adjustment lines count by what their adjustment applies
 * to (next query) — the same sums as the corrections' seasonBilled.
 */
const BILLED_LINES_SQL = `
SELECT i.account_id,
       coalesce(sum(l.amount_fen) FILTER (WHERE l.kind IN ('usage', 'cap')
                                          OR (l.kind = 'final_settlement' AND i.plan = 'metered')), 0)::bigint AS usage_fen,
       coalesce(sum(l.amount_fen) FILTER (WHERE l.kind IN ('flat_installment', 'flat_upfront')
                                          OR (l.kind = 'final_settlement' AND i.plan = 'flat')), 0)::bigint AS flat_fen
FROM invoices i
JOIN invoice_lines l ON l.invoice_id = i.id
WHERE i.account_id = ANY($1::uuid[]) AND i.season_label = $2 AND i.status <> 'void'
GROUP BY i.account_id`;

const BILLED_ADJUSTMENTS_SQL = `
SELECT a.account_id,
       coalesce(sum(a.amount_fen) FILTER (WHERE a.applies_to = 'usage'), 0)::bigint AS usage_fen,
       coalesce(sum(a.amount_fen) FILTER (WHERE a.applies_to = 'flat'), 0)::bigint AS flat_fen
FROM account_adjustments a
JOIN invoices i ON i.id = a.applied_invoice_id
WHERE a.account_id = ANY($1::uuid[]) AND a.season_label = $2 AND i.status <> 'void'
GROUP BY a.account_id`;

const PENDING_SQL = `
SELECT id, account_id, amount_fen, description, applies_to, season_label
FROM account_adjustments
WHERE account_id = ANY($1::uuid[]) AND applied_invoice_id IS NULL
ORDER BY account_id, created_at, id`;

interface AccountRow {
  account_id: string;
  household_id: string;
  household_no: number;
  area_m2: string;
  opened_on: string;
  closed_on: string | null;
  opening_reading: string | null;
  opened_at: Date;
  plan: Plan;
}

interface PreviousRow {
  account_id: string;
  end_reading_id: number | null;
  end_value: string | null;
  reading_value: string | null;
  reading_meter_id: string | null;
  reading_at: Date | null;
}

interface MeterRow {
  id: string;
  household_id: string;
  replaces_meter_id: string | null;
  initial_reading: string;
  final_reading: string | null;
  installed_at: Date;
  retired_at: Date | null;
  reading_id: number | null;
  reading_value: string | null;
  reading_at: Date | null;
}

/** Accounts per chunk when the caller names none (the batch passes its own, service.ts DEFAULT_CHUNK_SIZE). */
const DEFAULT_FACTS_CHUNK = 20_000;

function accountsParams(month: BillingMonth, season: Season): unknown[] {
  return [month.compound.id, season.label, month.nextFirstDay, month.firstDay, month.compound.timeZone];
}

/**
 * The billing facts of every account due for the month, streamed in chunks in household order.
 * Each chunk is gathered by six set-wise queries, whatever its size. Call inside the transaction
 * that writes the invoices (after the numbering lock), or on a reader sharing its snapshot: the
 * accounts come from a cursor, which lives as long as that transaction.
 */
export async function * billingFactsChunks(
  client: pg.ClientBase,
  month: BillingMonth,
  chunkSize = DEFAULT_FACTS_CHUNK,
): AsyncGenerator<AccountBillingFacts[]> {
  const season = month.season;
  if (!season) return;
  const fetch = fetchAccounts(chunkSize);
  await client.query(PLAN_CURSOR_FOR_ALL_ROWS);
  await client.query(DECLARE_ACCOUNTS_CURSOR, accountsParams(month, season));
  for (;;) {
    const accounts = (await client.query<AccountRow>(fetch)).rows;
    const due = await dueAccounts(client, month, accounts);
    if (due.length > 0) yield await assembleChunk(client, month, season, due);
    if (accounts.length < chunkSize) break;
  }
  await client.query(CLOSE_ACCOUNTS_CURSOR);
}

/**
 * One account's facts for a period, or undefined when it is not due (no billable month, no
 * occupancy in it, already billed, or settled by a final invoice).
 */
export async function loadAccountBillingFacts(
  q: Queryable,
  month: BillingMonth,
  accountId: string,
): Promise<AccountBillingFacts | undefined> {
  const season = month.season;
  if (!season) return undefined;
  const accounts = await queryRows<AccountRow>(q, LISTED_ACCOUNTS_SQL, [...accountsParams(month, season), [accountId]]);
  const due = await dueAccounts(q, month, accounts);
  return due.length === 0 ? undefined : (await assembleChunk(q, month, season, due))[0];
}

/** Of some accounts, those without a monthly invoice for the period or a final invoice. */
async function dueAccounts(q: Queryable, month: BillingMonth, accounts: AccountRow[]): Promise<AccountRow[]> {
  if (accounts.length === 0) return accounts;
  const notDue = await queryRows<{ account_id: string }>(q, NOT_DUE_SQL, [accounts.map((a) => a.account_id), month.period]);
  if (notDue.length === 0) return accounts;
  const skip = new Set(notDue.map((r) => r.account_id));
  return accounts.filter((a) => !skip.has(a.account_id));
}

async function assembleChunk(q: Queryable, month: BillingMonth, season: Season, accounts: AccountRow[]): Promise<AccountBillingFacts[]> {
  const accountIds = accounts.map((a) => a.account_id);
  const householdIds = [...new Set(accounts.map((a) => a.household_id))];
  const [previous, meters, billedLines, billedAdjustments, pending] = [
    await queryRows<PreviousRow>(q, PREVIOUS_END_SQL, [accountIds, month.period]),
    await queryRows<MeterRow>(q, METERS_SQL, [householdIds, month.end]),
    await queryRows<{ account_id: string; usage_fen: number; flat_fen: number }>(q, BILLED_LINES_SQL, [accountIds, season.label]),
    await queryRows<{ account_id: string; usage_fen: number; flat_fen: number }>(q, BILLED_ADJUSTMENTS_SQL, [accountIds, season.label]),
    await queryRows<{
      id: string;
      account_id: string;
      amount_fen: number;
      description: string;
      applies_to: 'usage' | 'flat';
      season_label: string;
    }>(q, PENDING_SQL, [accountIds]),
  ];
  const previousBy = new Map(previous.map((p) => [p.account_id, p]));
  const metersBy = groupBy(meters, (m) => m.household_id);
  const billedBy = new Map<string, SeasonBilled>();
  for (const b of billedLines) billedBy.set(b.account_id, { usageFen: b.usage_fen, flatFen: b.flat_fen });
  for (const b of billedAdjustments) {
    const sum = billedBy.get(b.account_id) ?? { usageFen: 0, flatFen: 0 };
    billedBy.set(b.account_id, { usageFen: sum.usageFen + b.usage_fen, flatFen: sum.flatFen + b.flat_fen });
  }
  const pendingBy = groupBy(
    pending,
    (p) => p.account_id,
    (p): PendingAdjustmentFact => ({
      id: p.id,
      amountFen: p.amount_fen,
      description: p.description,
      appliesTo: p.applies_to,
      seasonLabel: p.season_label,
    }),
  );

  const out: AccountBillingFacts[] = new Array(accounts.length);
  for (let i = 0; i < accounts.length; i++) {
    const a = accounts[i] as AccountRow;
    const householdMeters = metersBy.get(a.household_id) ?? [];
    const start = startPoint(a, previousBy.get(a.account_id), householdMeters);
    const end = endPoint(start, householdMeters);
    out[i] = {
      accountId: a.account_id,
      householdId: a.household_id,
      householdNo: a.household_no,
      plan: a.plan,
      areaM2: a.area_m2,
      openedOn: a.opened_on,
      closedOn: a.closed_on,
      start,
      end,
      usage: usageBetween(a.account_id, start, end, householdMeters),
      billed: billedBy.get(a.account_id) ?? { usageFen: 0, flatFen: 0 },
      adjustments: pendingBy.get(a.account_id) ?? [],
    };
  }
  return out;
}

/** The meter the account opened on (the core's meterAtOpening rule). */
function openingMeter(openedAt: Date, meters: readonly MeterRow[]): MeterRow | undefined {
  return meters[meterAtOpening(meters.map((m) => ({ installedAt: m.installed_at, retiredAt: m.retired_at })), openedAt)];
}

function startPoint(a: AccountRow, previous: PreviousRow | undefined, meters: readonly MeterRow[]): RegisterPoint {
  if (previous && previous.end_reading_id !== null && previous.reading_value !== null) {
    return {
      readingId: previous.end_reading_id,
      meterId: previous.reading_meter_id,
      value: previous.reading_value,
      at: previous.reading_at as Date,
    };
  }
  const meter = openingMeter(a.opened_at, meters);
  if (previous && previous.end_value !== null) {
    return { readingId: null, meterId: meter?.id ?? null, value: previous.end_value, at: a.opened_at };
  }
  const value = a.opening_reading ?? meter?.initial_reading;
  if (value === undefined) throw new Error(`account ${a.account_id} has neither an opening reading nor a meter`);
  return { readingId: null, meterId: meter?.id ?? null, value, at: a.opened_at };
}

/** The latest reading before the end of the month over the household's meters, if newer than the start. */
function endPoint(start: RegisterPoint, meters: readonly MeterRow[]): RegisterPoint | null {
  let best: MeterRow | undefined;
  for (const m of meters) {
    if (m.reading_at !== null && (best === undefined || m.reading_at.getTime() > (best.reading_at as Date).getTime())) best = m;
  }
  if (!best || best.reading_id === start.readingId || (best.reading_at as Date).getTime() <= start.at.getTime()) return null;
  return { readingId: best.reading_id, meterId: best.id, value: best.reading_value as string, at: best.reading_at as Date };
}

/** The core's usage input: one register, or segments across meter replacements (SPEC §4). */
function usageBetween(accountId: string, start: RegisterPoint, end: RegisterPoint | null, meters: readonly MeterRow[]): MeteredUsage {
  const chained = meters.map((m) => ({
    id: m.id,
    replacesId: m.replaces_meter_id,
    initialReading: m.initial_reading,
    finalReading: m.final_reading,
  }));
  const usage = usageAcrossMeters(
    chained,
    { meterId: start.meterId ?? '', value: start.value },
    end && { meterId: end.meterId ?? '', value: end.value },
  );
  if (usage === null) {
    throw new Error(`account ${accountId}: the meter of the latest reading does not replace the meter billing last ended on`);
  }
  return usage;
}
