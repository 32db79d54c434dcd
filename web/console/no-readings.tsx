import type { Api } from '../shared/api';
import type { BillingRun } from '../shared/types';
import { Bi, TableHead } from '../shared/ui';
import { HolderName, HouseholdLabel } from './household';

/** Accounts a run bills with usage 0 for want of a reading (an older server does not say: none). */
export function noReadingCount(run: BillingRun): number {
  return run.noReadingAccounts ?? 0;
}

/**
 * Why the real run is not offered after this dry run, or undefined when it may be: a month billed
 * over accounts without a reading would issue them ¥0 "paid" invoices for a month they used heat
 * in (SPEC §9). The clerk loads their readings and dry-runs again.
 */
export function realRunBlocked(dryRun: BillingRun): { zh: string; en: string } | undefined {
  const count = noReadingCount(dryRun);
  if (count === 0) return undefined;
  return {
    zh: `${count} 户本月没有读数，不能正式开票：请先导入读数，再试算一次${dryRun.estimate ? '（无法为其估算）。' : '，或按估算开票。'}`,
    en:
      `${count} account(s) have no reading for the month, so no invoices are issued: load their readings, then dry-run again` +
      (dryRun.estimate ? ' (no estimate was possible for them).' : ', or estimate them.'),
  };
}

/** The dry run's accounts without a reading, by home and holder: who to read before billing. */
export function NoReadings({ api, run }: { api: Api; run: BillingRun }) {
  const count = noReadingCount(run);
  if (!run.dryRun || count === 0) return null;
  const listed = run.noReadings ?? [];
  const more = count - listed.length;
  return (
    <div class='table-scroll'>
      <table data-testid='no-readings'>
        <caption><Bi zh={`本月没有读数的账户（${count} 户）`} en={`Accounts without a reading this month (${count})`} /></caption>
        <TableHead columns={[['房号', 'Home'], ['户主', 'Holder']]} />
        <tbody>
          {listed.map((account) => (
            <tr key={account.accountId}>
              <td><HouseholdLabel api={api} id={account.householdId} /></td>
              <td><HolderName api={api} householdId={account.householdId} accountId={account.accountId} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      {more > 0 && <p class='muted'><Bi zh={`另有 ${more} 户未列出。`} en={`and ${more} more not listed.`} /></p>}
    </div>
  );
}
