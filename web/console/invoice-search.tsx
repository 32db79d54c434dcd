import { useState } from 'preact/hooks';
import { query, type Api } from '../shared/api';
import { usePages } from '../shared/hooks';
import { PrintLink } from '../shared/print';
import type { Compound, Invoice, InvoiceStatus } from '../shared/types';
import { Bi, ErrorNote, Money, MoreButton, Section, StatusBadge, TableHead, type Column } from '../shared/ui';
import { HolderName, HouseholdLabel } from './household';

// Print first, so a phone reaches it without scrolling sideways; the home and holder tell 1-1-101 from 1-2-101.
const RESULT_COLUMNS: Column[] = [
  ['打印', 'Print'], ['账单号', 'Number'], ['房号', 'Home'], ['户主', 'Holder'], ['账期', 'Month'],
  ['金额', 'Total', 'n'], ['已付', 'Paid', 'n'], ['截止', 'Due'], ['状态', 'Status'],
];

interface Filters {
  number: string;
  room: string;
  status: '' | InvoiceStatus;
  period: string;
}

/** Invoices of the compound by number, room or status (and month), newest first, each opening its print view. */
export function InvoiceSearch({ api, compound, period }: { api: Api; compound: Compound; period: string }) {
  const [filters, setFilters] = useState<Filters>({ number: '', room: '', status: '', period: '' });
  const search = usePages<Invoice>(api, (cursor) =>
    `/v1/invoices${query({
      compound: compound.code,
      number: filters.number.trim(),
      room: filters.room.trim(),
      status: filters.status,
      period: filters.period,
      order: 'newest',
      cursor,
      limit: 50,
    })}`,
  );
  const results = search.items;

  const set = (key: keyof Filters) => (event: Event) => setFilters({ ...filters, [key]: (event.target as HTMLInputElement).value });

  return (
    <Section id='search' zh='查询账单' en='Find invoices'>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void search.reload();
        }}
      >
        <div class='field-row'>
          <div>
            <label for='search-number'><Bi zh='账单号' en='Number' /></label>
            <input
              id='search-number'
              value={filters.number}
              onInput={set('number')}
              placeholder={`${compound.code.toUpperCase()}-${period.replace('-', '')}-000001`}
            />
          </div>
          <div>
            <label for='search-room'><Bi zh='房号' en='Room' /></label>
            <input id='search-room' value={filters.room} onInput={set('room')} inputMode='numeric' />
          </div>
          <div>
            <label for='search-status'><Bi zh='状态' en='Status' /></label>
            <select id='search-status' value={filters.status} onChange={set('status')}>
              <option value=''>全部 All</option>
              <option value='issued'>待付款 Issued</option>
              <option value='partially_paid'>部分付款 Partly paid</option>
              <option value='paid'>已付清 Paid</option>
              <option value='void'>已作废 Void</option>
            </select>
          </div>
          <div>
            <label for='search-period'><Bi zh='账期' en='Month' /></label>
            <input id='search-period' type='month' value={filters.period} onChange={set('period')} />
          </div>
        </div>
        <div class='actions'>
          <button type='submit' class='primary'><Bi zh='查询' en='Search' /></button>
        </div>
      </form>
      <ErrorNote error={search.error} />
      {results && results.length === 0 && <p class='muted' role='status'><Bi zh='没有符合条件的账单。' en='No invoice matches.' /></p>}
      {results && results.length > 0 && (
        <div class='table-scroll'>
          <table data-testid='search-results'>
            <TableHead columns={RESULT_COLUMNS} />
            <tbody>
              {results.map((invoice) => (
                <tr key={invoice.id}>
                  <td>
                    <PrintLink kind='invoice' id={invoice.id} zh='打印' en='Print' label={invoice.number} />
                  </td>
                  <td class='nowrap'>{invoice.number}</td>
                  <td><HouseholdLabel api={api} id={invoice.householdId} /></td>
                  <td><HolderName api={api} householdId={invoice.householdId} accountId={invoice.accountId} /></td>
                  <td class='nowrap'>{invoice.period}</td>
                  <td class='n'><Money fen={invoice.totalFen} /></td>
                  <td class='n'><Money fen={invoice.paidFen} /></td>
                  <td class='date'>{invoice.dueOn}</td>
                  <td><StatusBadge status={invoice.status} overdue={invoice.overdue} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton more={search.more} />
    </Section>
  );
}
