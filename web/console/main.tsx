import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import '../shared/styles.css';
import { query, type Api } from '../shared/api';
import { previousPeriod } from '../shared/format';
import { printRequest, PrintView } from '../shared/print';
import { Session } from '../shared/session';
import type { Compound, Page } from '../shared/types';
import { Bi, ErrorNote, Loading, TopBar } from '../shared/ui';
import { BillingRunPanel } from './billing-run';
import { ReadingImport } from './import';
import { InvoiceSearch } from './invoice-search';
import { MonthView } from './month';
import { WebhookPanel } from './webhooks';

/** Every page of a list route. */
async function listAll<T>(api: Api, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await api.json<Page<T>>(`${path}${query({ limit: 500, cursor })}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

function Console({ api, onSignOut }: { api: Api; onSignOut: () => void }) {
  const [compounds, setCompounds] = useState<Compound[]>();
  const [code, setCode] = useState<string>();
  const [period, setPeriod] = useState(previousPeriod());
  const [refresh, setRefresh] = useState(0);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    listAll<Compound>(api, '/v1/compounds')
      .then((list) => {
        setCompounds(list);
        setCode((current) => current ?? list[0]?.code);
      })
      .catch(setError);
  }, [api]);

  const compound = compounds?.find((c) => c.code === code);

  return (
    <>
      <TopBar zh='地源热泵运营控制台' en='Heat-pump billing console' onSignOut={onSignOut} />
      <main id='main'>
        <ErrorNote error={error} />
        {!compounds && !error && <Loading />}
        {compounds && compounds.length === 0 && (
          <p class='card'><Bi zh='您的供能公司还没有小区。' en='Your provider has no compounds yet.' /></p>
        )}
        {compounds && compound && (
          <>
            <section class='card' aria-label='小区与月份 Compound and month'>
              <div class='field-row'>
                <div>
                  <label for='compound'><Bi zh='小区' en='Compound' /></label>
                  <select id='compound' value={code} onChange={(e) => setCode((e.target as HTMLSelectElement).value)}>
                    {compounds.map((c) => (
                      <option key={c.code} value={c.code}>
                        {c.name} · {c.district} ({c.code})
                      </option>
                    ))}
                  </select>
                </div>
                <div>
                  <label for='period'><Bi zh='账期（月）' en='Billing month' /></label>
                  <input
                    id='period'
                    type='month'
                    value={period}
                    required
                    onChange={(e) => {
                      const value = (e.target as HTMLInputElement).value;
                      if (/^\d{4}-\d{2}$/.test(value)) setPeriod(value);
                    }}
                  />
                </div>
              </div>
            </section>
            <MonthView key={`${compound.code}|${period}|${refresh}`} api={api} compound={compound} period={period} />
            <div class='two'>
              <BillingRunPanel
                key={`${compound.code}|${period}`}
                api={api}
                compound={compound}
                period={period}
                onFinished={() => setRefresh((n) => n + 1)}
              />
              <ReadingImport api={api} />
            </div>
            <InvoiceSearch key={compound.code} api={api} compound={compound} period={period} />
            <WebhookPanel api={api} />
          </>
        )}
      </main>
    </>
  );
}

// /console/?invoice=<id>: that invoice's print view, after sign-in when opened signed out.
const print = printRequest();

render(
  <Session
    storageKey='heatpump.operator.token'
    signIn={{
      titleZh: '地源热泵运营控制台',
      titleEn: 'Heat-pump billing console',
      hintZh: '请输入运营令牌（供能公司的操作员令牌）。',
      hintEn: 'Enter your operator token.',
    }}
    refuse={(me) => (me.role === 'resident' ? '这是住户令牌，请使用 /app/ · This is a resident token; residents use /app/' : undefined)}
  >
    {({ api, signOut }) => (print ? <PrintView api={api} request={print} /> : <Console api={api} onSignOut={signOut} />)}
  </Session>,
  document.getElementById('root')!,
);
