import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../shared/api';
import { query } from '../shared/api';
import { hasRoute } from '../shared/features';
import { cny } from '../shared/format';
import { PrintLink } from '../shared/print';
import type { Arrears, ArrearsItem, Compound } from '../shared/types';
import { Bi, ErrorNote, Loading, Money, Section, TableHead, type Column } from '../shared/ui';

/** Today's local date (the browser's), YYYY-MM-DD. */
function today(): string {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}

/** The last day of a month, or today when the month has not ended (arrears are as of a day that has come). */
function defaultAsOf(period: string): string {
  const [year, month] = period.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
  return last < today() ? last : today();
}

/** "1,234.5" or "1234.50" CNY → fen; undefined unless a positive amount with at most two decimals. */
function fenOf(text: string): number | undefined {
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text.replace(/[,\s¥]/g, ''));
  if (!m) return undefined;
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return fen > 0 ? fen : undefined;
}

interface RecordedPayment {
  id: string;
  amountFen: number;
  unallocatedFen: number;
  allocations: Array<{ number: string; amountFen: number }>;
}

interface PaymentFormProps {
  api: Api;
  items: ArrearsItem[];
  accountId: string;
  onAccount: (id: string) => void;
  onRecorded: () => void;
}

/**
 * Records a payment taken at the counter. The idempotency key is made when the form is filled and
 * kept until the server has answered, so a double click (or a retry after a lost answer) records
 * one payment; the next payment gets a new key.
 */
function PaymentForm({ api, items, accountId, onAccount, onRecorded }: PaymentFormProps) {
  const [amount, setAmount] = useState('');
  const [paidAt, setPaidAt] = useState(() => `${today()}T${new Date().toTimeString().slice(0, 5)}`);
  const [reference, setReference] = useState('');
  const [error, setError] = useState<unknown>();
  const [recorded, setRecorded] = useState<RecordedPayment>();
  const key = useRef(crypto.randomUUID());
  const busy = useRef(false);
  const [sending, setSending] = useState(false);
  const amountFen = fenOf(amount);

  async function submit(event: Event) {
    event.preventDefault();
    if (busy.current || amountFen === undefined || !accountId) return;
    busy.current = true;
    setSending(true);
    setError(undefined);
    try {
      const payment = await api.json<RecordedPayment>('/v1/payments', {
        body: { accountId, amountFen, paidAt: `${paidAt}:00`, reference: reference.trim() || `counter ${paidAt}` },
        headers: { 'idempotency-key': key.current },
      });
      key.current = crypto.randomUUID();
      setRecorded(payment);
      setAmount('');
      setReference('');
      onRecorded();
    } catch (e) {
      setError(e);
    } finally {
      busy.current = false;
      setSending(false);
    }
  }

  const input = (set: (value: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
  const holder = (item: ArrearsItem) => `${item.building}-${item.unit}-${item.room} ${item.holderName} · ${cny(item.overdueFen)}`;
  return (
    <form
      onSubmit={(e) => {
        void submit(e);
      }}
      aria-label='收款 Record a payment'
    >
      <h3><Bi zh='收款' en='Record a payment' /></h3>
      <div class='field-row'>
        <div>
          <label for='pay-account'><Bi zh='账户' en='Account' /></label>
          <select id='pay-account' value={accountId} onChange={input(onAccount)} required>
            <option value=''>—</option>
            {items.map((item) => <option key={item.accountId} value={item.accountId}>{holder(item)}</option>)}
          </select>
        </div>
        <div>
          <label for='pay-amount'><Bi zh='金额（元）' en='Amount (CNY)' /></label>
          <input id='pay-amount' inputMode='decimal' value={amount} required onInput={input(setAmount)} />
        </div>
        <div>
          <label for='pay-at'><Bi zh='收款时间' en='Paid at' /></label>
          <input id='pay-at' type='datetime-local' value={paidAt} required onInput={input(setPaidAt)} />
        </div>
        <div>
          <label for='pay-reference'><Bi zh='备注/凭证号' en='Reference' /></label>
          <input id='pay-reference' maxLength={200} value={reference} onInput={input(setReference)} />
        </div>
      </div>
      <div class='actions'>
        <button type='submit' class='primary' disabled={sending || amountFen === undefined || !accountId}>
          <Bi zh='记录收款' en='Record payment' />
        </button>
      </div>
      <ErrorNote error={error} />
      {recorded && (
        <p role='status' data-testid='payment-recorded'>
          <Bi zh={`已收款 ${cny(recorded.amountFen)}`} en='recorded' />
          {recorded.allocations.map((a) => ` · ${a.number} ${cny(a.amountFen)}`).join('')}
          {recorded.unallocatedFen > 0 && ` · 余额 credit ${cny(recorded.unallocatedFen)}`}
        </p>
      )}
    </form>
  );
}

const COLUMNS: Column[] = [
  ['房号', 'Home'], ['户主', 'Holder'], ['欠费', 'Overdue', 'n'], ['最早截止', 'Oldest due'], ['逾期天数', 'Days', 'n'], ['操作', 'Actions'],
];

/**
 * The clerk's desk (SPEC §9, §10): a compound's arrears as of a day with the aging buckets, each
 * account opening its payment notice, a payment recorded at the counter (the arrears reload), and
 * the arrears and the month's report as CSV.
 */
export function ArrearsDesk({ api, compound, period }: { api: Api; compound: Compound; period: string }) {
  const [asOf, setAsOf] = useState(() => defaultAsOf(period));
  const [arrears, setArrears] = useState<Arrears>();
  const [error, setError] = useState<unknown>();
  const [reloads, setReloads] = useState(0);
  const [accountId, setAccountId] = useState('');
  const path = `/v1/compounds/${compound.code}/arrears${query({ asOf })}`;

  const [offered, setOffered] = useState<boolean>();
  useEffect(() => {
    let live = true;
    setError(undefined);
    // A server without the arrears route (features.ts): the desk stays hidden, with no failed request.
    hasRoute('get', '/v1/compounds/{code}/arrears')
      .then((has) => {
        if (live) setOffered(has);
        return has ? api.json<Arrears>(path) : undefined;
      })
      .then((found) => live && found && setArrears(found))
      .catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [path, reloads]);

  const download = (what: 'arrears' | 'report') => {
    setError(undefined);
    const done =
      what === 'arrears'
        ? api.download(path, 'text/csv', `${compound.code}-arrears-${asOf}.csv`)
        : api.download(`/v1/compounds/${compound.code}/reports/${period}`, 'text/csv', `${compound.code}-${period}.csv`);
    done.catch(setError);
  };

  if (offered === false) return null;
  return (
    <Section id='arrears' zh='欠费与收款' en='Arrears and payments'>
      <div class='field-row'>
        <div>
          <label for='arrears-as-of'><Bi zh='截至日期' en='As of' /></label>
          <input
            id='arrears-as-of'
            type='date'
            value={asOf}
            max={today()}
            onChange={(e) => {
              const value = (e.target as HTMLInputElement).value;
              if (/^\d{4}-\d{2}-\d{2}$/.test(value)) setAsOf(value);
            }}
          />
        </div>
      </div>
      <div class='actions'>
        <button type='button' onClick={() => download('arrears')}><Bi zh='下载欠费 CSV' en='Arrears CSV' /></button>
        <button type='button' onClick={() => download('report')}><Bi zh='下载月报 CSV' en='Month report CSV' /></button>
      </div>
      <ErrorNote error={error} />
      {!arrears && !error && <Loading />}
      {arrears && (
        <>
          <dl class='figures'>
            <div><dt><Bi zh='欠费户数' en='Accounts' /></dt><dd data-testid='arrears-accounts'>{arrears.totals.accounts}</dd></div>
            <div><dt><Bi zh='欠费总额' en='Overdue' /></dt><dd data-testid='arrears-total'><Money fen={arrears.totals.overdueFen} /></dd></div>
            <div><dt><Bi zh='1–30 天' en='days' /></dt><dd><Money fen={arrears.totals.buckets.days1to30} /></dd></div>
            <div><dt><Bi zh='31–60 天' en='days' /></dt><dd><Money fen={arrears.totals.buckets.days31to60} /></dd></div>
            <div><dt><Bi zh='61–90 天' en='days' /></dt><dd><Money fen={arrears.totals.buckets.days61to90} /></dd></div>
            <div><dt><Bi zh='90 天以上' en='91+ days' /></dt><dd><Money fen={arrears.totals.buckets.days91plus} /></dd></div>
          </dl>
          {arrears.items.length > 0 && (
            <div class='table-scroll' tabIndex={0} role='region' aria-label='欠费 Arrears'>
              <table data-testid='arrears'>
                <TableHead columns={COLUMNS} />
                <tbody>
                  {arrears.items.map((item) => (
                    <tr key={item.accountId}>
                      <td>{item.building}-{item.unit}-{item.room}</td>
                      <td>{item.holderName}</td>
                      <td class='n'><Money fen={item.overdueFen} /></td>
                      <td>{item.oldestDueOn}</td>
                      <td class='n'>{item.daysOverdue}</td>
                      <td class='nowrap'>
                        <PrintLink
                          kind='notice'
                          id={item.accountId}
                          zh='通知书'
                          en='Notice'
                          label={`${item.building}-${item.unit}-${item.room}`}
                        />{' '}
                        <button type='button' class='link' onClick={() => setAccountId(item.accountId)}>
                          <Bi zh='收款' en='Pay' />
                          <span class='sr-only'> {item.building}-{item.unit}-{item.room}</span>
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <PaymentForm
            api={api}
            items={arrears.items}
            accountId={accountId}
            onAccount={setAccountId}
            onRecorded={() => setReloads((n) => n + 1)}
          />
        </>
      )}
    </Section>
  );
}
