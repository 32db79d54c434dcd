import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../shared/api';
import { query } from '../shared/api';
import { useOptionalGet, usePages } from '../shared/hooks';
import { monthEn, monthZh } from '../shared/format';
import type { Compound, CompoundAccount, DataException, Report } from '../shared/types';
import { Bi, ErrorNote, Loading, Money, MoreButton, Section, StatusBadge, TableHead } from '../shared/ui';
import { ArrearsDesk } from './arrears-desk';
import { HouseholdLabel } from './household';

function Figure({ zh, en, children, testId }: { zh: string; en: string; children: ComponentChildren; testId?: string }) {
  return (
    <div>
      <dt><Bi zh={zh} en={en} /></dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

function Summary({ report }: { report: Report }) {
  return (
    <dl class='figures'>
      <Figure zh='开票户数' en='Accounts billed' testId='accounts-billed'>{report.accountsBilled}</Figure>
      <Figure zh='开票总额' en='Billed total' testId='billed-total'><Money fen={report.netBilledFen} /></Figure>
      <Figure zh='封顶户数' en='Capped accounts' testId='capped-accounts'>{report.cappedAccounts}</Figure>
      <Figure zh='封顶减免' en='Cap savings'><Money fen={report.capSavingsFen} /></Figure>
      <Figure zh='用量（字）' en='Units'>{report.usageUnits}</Figure>
      <Figure zh='调整' en='Adjustments'><Money fen={report.adjustmentsFen} /></Figure>
      <Figure zh='已收' en='Paid'><Money fen={report.paidFen} /></Figure>
      <Figure zh='未收' en='Outstanding'><Money fen={report.outstandingFen} /></Figure>
    </dl>
  );
}

const PLAN_SHORT: Record<string, string> = { metered: '按量 metered', flat: '一口价 flat' };

function Accounts({ api, compound, period }: { api: Api; compound: Compound; period: string }) {
  const list = usePages<CompoundAccount>(api, (cursor) => `/v1/compounds/${compound.code}/accounts${query({ period, cursor, limit: 50 })}`);
  useEffect(() => {
    void list.reload();
  }, []);
  const { items: accounts, error } = list;

  return (
    <>
      <h3><Bi zh='住户账户' en='Accounts' /></h3>
      <ErrorNote error={error} />
      {!accounts && !error && <Loading />}
      {accounts && (
        <div class='table-scroll'>
          <table data-testid='accounts'>
            <caption><Bi zh={`${monthZh(period)}的账单`} en={`invoices of ${monthEn(period)}`} /></caption>
            <TableHead columns={[['房号', 'Home'], ['户主', 'Holder'], ['计费方式', 'Plan'], ['本月账单', 'Invoice of the month']]} />
            <tbody>
              {accounts.map((account) => (
                <tr key={account.id}>
                  <td>
                    {account.household.building}-{account.household.unit}-{account.household.room}{' '}
                    <span class='en'>{account.household.areaM2} m²</span>
                  </td>
                  <td>
                    {account.holderName}
                    {account.closedOn && (
                      <span class='en'>
                        {' '}
                        <Bi zh={`已销户 ${account.closedOn}`} en='closed' />
                      </span>
                    )}
                  </td>
                  <td>
                    {account.plans.length === 0
                      ? (
                        <Bi zh='按量（默认）' en='metered (default)' />
                        )
                      : (
                          account.plans.map((p) => `${p.season} ${PLAN_SHORT[p.plan] ?? p.plan}`).join(', ')
                        )}
                  </td>
                  <td>
                    {account.invoices.length === 0 && <span class='muted'><Bi zh='未开票' en='not billed' /></span>}
                    {account.invoices.map((invoice) => (
                      <div key={invoice.id}>
                        {invoice.number} · <Money fen={invoice.totalFen} /> <StatusBadge status={invoice.status} />
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton more={list.more} />
    </>
  );
}

const EXCEPTION_KIND: Record<string, [string, string]> = {
  missing_reading: ['缺少读数', 'Missing reading'],
  zero_usage: ['零用量', 'Zero usage'],
  usage_spike: ['用量异常', 'Usage spike'],
  billing_exception: ['未能开票', 'Not billed'],
};

/** Meter data to fix before billing (shown when the server has the route). */
function Exceptions({ api, compound, period }: { api: Api; compound: Compound; period: string }) {
  const { data, error } = useOptionalGet<DataException[] | { items: DataException[] }>(
    api,
    '/v1/compounds/{code}/exceptions',
    `/v1/compounds/${compound.code}/exceptions${query({ period })}`,
  );
  const items = Array.isArray(data) ? data : data?.items;
  if (!items && !error) return null;
  return (
    <Section id='exceptions' zh='数据异常' en='Exceptions'>
      <ErrorNote error={error} />
      {items && items.length === 0 && <p class='muted'><Bi zh='本月没有异常。' en='No exceptions this month.' /></p>}
      {items && items.length > 0 && (
        // Wider than a phone: the scrolled region takes the keyboard focus so it can be scrolled without a mouse.
        <div class='table-scroll' tabIndex={0} role='region' aria-label='数据异常 Exceptions'>
          <table data-testid='exceptions'>
            <TableHead columns={[['房号', 'Home'], ['类型', 'Kind'], ['表号', 'Meter'], ['用量', 'Units', 'n'], ['说明', 'Detail']]} />
            <tbody>
              {items.map((item, index) => {
                const [zh, en] = EXCEPTION_KIND[item.kind] ?? [item.kind, ''];
                return (
                  <tr key={`${item.accountId}-${item.kind}-${index}`}>
                    <td><HouseholdLabel api={api} id={item.householdId} /></td>
                    <td><Bi zh={zh} en={en} /></td>
                    <td>{item.meterSerial ?? '—'}</td>
                    <td class='n'>{item.units ?? '—'}</td>
                    <td>{item.detail}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

/** A compound's month: the report's figures, its accounts, exceptions when offered, and the clerk's desk. */
export function MonthView({ api, compound, period }: { api: Api; compound: Compound; period: string }) {
  const [report, setReport] = useState<Report>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    api.json<Report>(`/v1/compounds/${compound.code}/reports/${period}`).then(setReport).catch(setError);
  }, []);
  return (
    <>
      <Section id='month' zh={`${compound.name} · ${monthZh(period)}`} en={`${compound.code} · ${monthEn(period)}`}>
        <ErrorNote error={error} />
        {!report && !error && <Loading />}
        {report && <Summary report={report} />}
        <Accounts api={api} compound={compound} period={period} />
      </Section>
      <Exceptions api={api} compound={compound} period={period} />
      <ArrearsDesk api={api} compound={compound} period={period} />
    </>
  );
}
