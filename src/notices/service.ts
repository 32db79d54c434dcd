import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/pool.js';
import { notFound } from '../http/problem.js';
import { localToday } from '../shared/time.js';
import { lateFeesDue } from '../billing/late-fees.js';
import { noticeHtml } from './html.js';
import { findNoticeAccount, overdueInvoices } from './repository.js';

/**
 * The account's payment notice as of today in its compound's zone, with the late fee accrued to
 * today and not yet billed (SPEC §9); out of scope answers 404.
 */
export async function paymentNotice(db: Database, principal: Principal, accountId: string): Promise<string> {
  const account = await findNoticeAccount(db, accountId, principal);
  if (!account) throw notFound('Account');
  const asOf = localToday(account.time_zone);
  const invoices = await overdueInvoices(db, account.id, asOf);
  const scope = { compoundId: account.compound_id, timeZone: account.time_zone, throughOn: asOf, accountId: account.id };
  const fees = await lateFeesDue(db, scope);
  return noticeHtml(account, invoices, asOf, fees.get(account.id) ?? []);
}
