/**
 * Billing facts of a month, gathered set-wise (SPEC §5, §6): SQL only collects what the core
 * needs; where each account's billing stands and what its season billed so far come from the
 * ledger (src/ledger), every rule from src/core. The batch streams a compound's accounts in
 * household order in chunks; each chunk is a fixed number of set-wise queries.
 */
import { seasonFromRow, type SeasonColumns } from '../seasons/from-row.js';
import {
  dayNumber,
  dateOfDayNumber,
  latestReadingBefore,
  meterUsage,
  parsePeriod,
  periodBounds,
  planOrDefault,
  seasonForPeriod,
  whereBillingStands,
  type MeterUsage,
  type Season,
} from '../core/index.js';
import type pg from 'pg';
import { groupBy } from '../db/group.js';
import type { Plan } from '../db/types.js';
import { queryRows, type Queryable } from '../db/sql.js';
import { householdMeters, ledgerHeads, OPENING_VALUE_SQL, seasonCharges } from '../ledger/repository.js';

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

export interface PendingAdjustmentFact {
  id: string;
  amountFen: number;
  description: string;
  seasonLabel: string;
}

/** An account the month bills, with everything the core needs. */
export interface AccountBillingFacts {
  accountId: string;
  householdId: string;
  householdNo: number;
  plan: Plan;
  areaM2: string;
  openedOn: string;
  closedOn: string | null;
  /** The ledger slot its invoice takes: one after its latest invoice's. */
  accountSeq: number;
  /** From where billing stands to the latest reading of the month (SPEC §5 "Metered"). */
  usage: MeterUsage;
  /** Every charge of the season already invoiced. */
  billedFen: number;
  /** Adjustments not yet carried by an invoice, oldest first. */
  adjustments: PendingAdjustmentFact[];
  /** A true-up of an estimate only (SPEC §9): the season's usage lines so far (estimates.ts). */
  seasonUsageGrossFen?: number;
}

/** An account the month cannot bill (SPEC §6 "One bad account never blocks the rest"). */
export interface BillingException {
  accountId: string;
  householdId: string;
  reason: string;
}

/** One chunk of a compound's accounts, in household order. */
export interface FactsChunk {
  /** Accounts read (due or not). */
  accounts: number;
  due: AccountBillingFacts[];
  /** Accounts already billed through a later month (SPEC §6), left alone. */
  skipped: number;
  /** Accounts that already have their invoice of this month (a re-run), left alone. */
  alreadyBilled: number;
  exceptions: BillingException[];
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

/*
 * Accounts with an occupancy overlapping the month (the core decides on service days), in
 * household order (creation order; then opening date). $1 compound, $2 season label, $3 first
 * day of the next month, $4 first day of the month, $5 the compound's time zone. The opening
 * value is the current value of the reading it was taken from, when it was.
 */
const ACCOUNTS_SELECT = `
SELECT a.id AS account_id, a.household_id, h.household_no, h.area_m2::text AS area_m2,
       a.opened_on, a.closed_on, ${OPENING_VALUE_SQL}::text AS opening_reading, a.opening_reading_id,
       (a.opened_on::timestamp AT TIME ZONE $5::text) AS opened_at,
       p.plan
FROM accounts a
JOIN households h ON h.id = a.household_id
LEFT JOIN readings o ON o.id = a.opening_reading_id
LEFT JOIN account_plans p ON p.account_id = a.id AND p.season_label = $2
WHERE a.compound_id = $1
  AND h.compound_id = $1
  AND a.opened_on < $3::date
  AND (a.closed_on IS NULL OR a.closed_on > $4::date)
ORDER BY h.household_no, a.opened_on, a.id`;

/*
 * The whole compound, as a cursor read chunk by chunk: the compound is sorted once. (Keyset
 * pages re-sorted what was left of the compound for every chunk, a cost growing with the square
 * of its size.) Declared in the batch's transaction; gone at its end.
 */
const DECLARE_ACCOUNTS_CURSOR = `DECLARE billing_accounts NO SCROLL CURSOR FOR ${ACCOUNTS_SELECT}`;
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

const PENDING_SQL = `
SELECT id, account_id, amount_fen, description, season_label
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
  opening_reading_id: number | null;
  opened_at: Date;
  /** Null: the account chose no plan for the season (planOrDefault). */
  plan: Plan | null;
}

function accountsParams(month: BillingMonth, season: Season): unknown[] {
  return [month.compound.id, season.label, month.nextFirstDay, month.firstDay, month.compound.timeZone];
}

/**
 * The billing facts of every account of the month, streamed in chunks in household order. Call
 * inside the transaction that writes the invoices (after the compound's locks), or on a reader
 * sharing its snapshot: the accounts come from a cursor, which lives as long as that transaction.
 */
export async function * billingFactsChunks(client: pg.ClientBase, month: BillingMonth, chunkSize: number): AsyncGenerator<FactsChunk> {
  const season = month.season;
  if (!season) return;
  const fetch = fetchAccounts(chunkSize);
  await client.query(PLAN_CURSOR_FOR_ALL_ROWS);
  await client.query(DECLARE_ACCOUNTS_CURSOR, accountsParams(month, season));
  for (;;) {
    const accounts = (await client.query<AccountRow>(fetch)).rows;
    if (accounts.length > 0) yield await assembleChunk(client, month, season, accounts);
    if (accounts.length < chunkSize) break;
  }
  await client.query(CLOSE_ACCOUNTS_CURSOR);
}

/* One account of ACCOUNTS_SELECT ($6): the same row the batch would read for it. */
const ONE_ACCOUNT_SQL = `SELECT * FROM (${ACCOUNTS_SELECT}) x WHERE x.account_id = $6`;

/**
 * One account's facts for the month exactly as the batch gathers them (a chunk of one): what its
 * invoice of the month would bill now (the statement's usageToDate, SPEC §9).
 */
export async function accountMonthFacts(q: Queryable, month: BillingMonth, accountId: string): Promise<FactsChunk | null> {
  const season = month.season;
  if (!season) return null;
  const accounts = await queryRows<AccountRow>(q, ONE_ACCOUNT_SQL, [...accountsParams(month, season), accountId]);
  return assembleChunk(q, month, season, accounts);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A chunk's facts. An account is due for the month unless its latest invoice is the final one
 * (settled), is this month's (billed), or is a later month's (skipped: that invoice covered
 * this month's usage). Due accounts start where their billing stands and end at the latest
 * reading of the month; one whose usage cannot be determined is an exception.
 */
async function assembleChunk(q: Queryable, month: BillingMonth, season: Season, accounts: AccountRow[]): Promise<FactsChunk> {
  const heads = await ledgerHeads(
    q,
    accounts.map((a) => a.account_id),
  );
  const chunk: FactsChunk = { accounts: accounts.length, due: [], skipped: 0, alreadyBilled: 0, exceptions: [] };
  const open: AccountRow[] = [];
  for (const a of accounts) {
    const head = heads.get(a.account_id);
    if (head?.lastKind === 'final') continue;
    if (head?.lastPeriod === month.period) chunk.alreadyBilled += 1;
    else if (head?.lastPeriod !== null && head?.lastPeriod !== undefined && head.lastPeriod > month.period) chunk.skipped += 1;
    else open.push(a);
  }
  if (open.length === 0) return chunk;
  const accountIds = open.map((a) => a.account_id);
  const meters = await householdMeters(q, [...new Set(open.map((a) => a.household_id))], month.end);
  const charges = await seasonCharges(q, accountIds, [season.label]);
  const pending = groupBy(
    await queryRows<{ id: string; account_id: string; amount_fen: number; description: string; season_label: string }>(q, PENDING_SQL, [
      accountIds,
    ]),
    (p) => p.account_id,
    (p): PendingAdjustmentFact => ({ id: p.id, amountFen: p.amount_fen, description: p.description, seasonLabel: p.season_label }),
  );
  for (const a of open) {
    const head = heads.get(a.account_id);
    const householdMeters = meters.get(a.household_id) ?? [];
    const start = whereBillingStands(head?.end ?? null, householdMeters, {
      openedAt: a.opened_at,
      value: a.opening_reading,
      readingId: a.opening_reading_id,
    });
    if (start === null) {
      chunk.exceptions.push({ accountId: a.account_id, householdId: a.household_id, reason: 'the household has no meter' });
      continue;
    }
    const latest = householdMeters.flatMap((m) => (m.latest === null ? [] : [m.latest]));
    let usage: MeterUsage | null;
    try {
      usage = meterUsage(householdMeters, start, latestReadingBefore(latest, start));
    } catch (error) {
      chunk.exceptions.push({ accountId: a.account_id, householdId: a.household_id, reason: reasonOf(error) });
      continue;
    }
    if (usage === null) {
      chunk.exceptions.push({
        accountId: a.account_id,
        householdId: a.household_id,
        reason: 'the meter of the latest reading does not descend from the meter billing stands on',
      });
      continue;
    }
    chunk.due.push({
      accountId: a.account_id,
      householdId: a.household_id,
      householdNo: a.household_no,
      plan: planOrDefault(a.plan),
      areaM2: a.area_m2,
      openedOn: a.opened_on,
      closedOn: a.closed_on,
      accountSeq: (head?.lastSeq ?? 0) + 1,
      usage,
      billedFen: charges.get(a.account_id)?.get(season.label) ?? 0,
      adjustments: pending.get(a.account_id) ?? [],
    });
  }
  return chunk;
}
