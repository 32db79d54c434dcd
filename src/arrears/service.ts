import type { Principal } from '../auth/principal.js';
import { compoundOr404 } from '../compounds/service.js';
import type { Database } from '../db/pool.js';
import { localToday } from '../shared/time.js';
import { maskName, maskPhone } from '../statements/mask.js';
import { arrearsRows, type ArrearsRow } from './repository.js';
import type { ArrearsItemOut, ArrearsOut } from './schemas.js';

/**
 * A compound's arrears as of a local date (SPEC §9), today in the compound's zone by default.
 * A list for chasing, so personal data is masked for every caller, as statements mask it.
 */
export async function compoundArrears(db: Database, principal: Principal, code: string, asOf?: string): Promise<ArrearsOut> {
  const compound = await compoundOr404(db, code, principal);
  const date = asOf ?? localToday(compound.time_zone);
  const items = (await arrearsRows(db, compound.id, date)).map(itemOut);
  const buckets = { days1to30: 0, days31to60: 0, days61to90: 0, days91plus: 0 };
  let overdueFen = 0;
  let invoices = 0;
  for (const item of items) {
    overdueFen += item.overdueFen;
    invoices += item.invoiceNumbers.length;
    buckets.days1to30 += item.buckets.days1to30;
    buckets.days31to60 += item.buckets.days31to60;
    buckets.days61to90 += item.buckets.days61to90;
    buckets.days91plus += item.buckets.days91plus;
  }
  return { compound: compound.code, asOf: date, items, totals: { accounts: items.length, invoices, overdueFen, buckets } };
}

function itemOut(row: ArrearsRow): ArrearsItemOut {
  return {
    accountId: row.account_id,
    householdId: row.household_id,
    building: row.building,
    unit: row.unit,
    room: row.room,
    home: `${row.building}-${row.unit}-${row.room}`,
    holderName: maskName(row.holder_name),
    phone: maskPhone(row.phone),
    overdueFen: row.overdue_fen,
    buckets: { days1to30: row.days1to30, days31to60: row.days31to60, days61to90: row.days61to90, days91plus: row.days91plus },
    oldestDueOn: row.oldest_due_on,
    daysOverdue: row.days_overdue,
    invoiceNumbers: row.invoice_numbers.split(' '),
  };
}

/** CSV columns, in order: one row per account, then a total row (`accountId` "total"). */
export const ARREARS_COLUMNS = [
  'compound',
  'asOf',
  'accountId',
  'home',
  'holderName',
  'phone',
  'overdueFen',
  'days1to30',
  'days31to60',
  'days61to90',
  'days91plus',
  'oldestDueOn',
  'daysOverdue',
  'invoiceNumbers',
] as const;

type CsvRow = Record<(typeof ARREARS_COLUMNS)[number], string | number>;

export function arrearsCsvRows(arrears: ArrearsOut): CsvRow[] {
  const rows: CsvRow[] = arrears.items.map((item) => ({
    compound: arrears.compound,
    asOf: arrears.asOf,
    accountId: item.accountId,
    home: item.home,
    holderName: item.holderName,
    phone: item.phone ?? '',
    overdueFen: item.overdueFen,
    ...item.buckets,
    oldestDueOn: item.oldestDueOn,
    daysOverdue: item.daysOverdue,
    invoiceNumbers: item.invoiceNumbers.join(' '),
  }));
  rows.push({
    compound: arrears.compound,
    asOf: arrears.asOf,
    accountId: 'total',
    home: '',
    holderName: '',
    phone: '',
    overdueFen: arrears.totals.overdueFen,
    ...arrears.totals.buckets,
    oldestDueOn: '',
    daysOverdue: '',
    invoiceNumbers: '',
  });
  return rows;
}
