import { cny, localTime, monthEn, monthZh, percent } from '../shared/format';
import { PrintLink } from '../shared/print';
import type { Invoice, Statement } from '../shared/types';
import { Bi, Money, Section, StatusBadge, TableHead } from '../shared/ui';
import { DueNow } from './due-now';
import { UsageChart } from './usage-chart';

const PLAN: Record<string, [string, string]> = { metered: ['按量计费', 'Metered'], flat: ['一口价', 'Flat price'] };

function Home({ statement }: { statement: Statement }) {
  const { household, account } = statement;
  const [planZh, planEn] = PLAN[statement.plan] ?? [statement.plan, statement.plan];
  return (
    <section class='card' aria-label='住户 Household'>
      <p>
        <strong data-testid='compound-name'>{household.compoundName}</strong> ·{' '}
        {household.building} 栋 {household.unit} 单元 {household.room} 室{' '}
        <span class='en' lang='en'>
          Bldg {household.building}, unit {household.unit}, room {household.room}
        </span>
      </p>
      <p class='muted'>
        {account.holderName}
        {account.phone ? ` · ${account.phone}` : ''} · {household.areaM2} m² · <Bi zh={planZh} en={planEn} /> ·{' '}
        <Bi zh={`${statement.season} 供暖制冷季`} en={`season ${statement.season}`} />
      </p>
    </section>
  );
}

/** The season cap (metered) or fee (flat): what counted towards it so far, and what is left. */
function CapProgress({ statement }: { statement: Statement }) {
  const used = statement.capFen - statement.remainingCapFen;
  const flat = statement.plan === 'flat';
  const share = percent(used, statement.capFen);
  return (
    <Section id='cap' zh={flat ? '本季一口价' : '本季封顶'} en={flat ? 'Season flat fee' : 'Season cap'}>
      <label for='cap-bar' class='muted'>
        <Bi zh={flat ? '已开票 / 全季费用' : '已计入封顶 / 封顶额'} en={flat ? 'Billed / season fee' : 'Counted towards the cap / cap'} />
      </label>
      <progress
        id='cap-bar'
        class={used >= statement.capFen && statement.capFen > 0 ? 'cap full' : 'cap'}
        max={Math.max(statement.capFen, 1)}
        value={Math.max(0, used)}
        aria-valuetext={`${cny(used)} / ${cny(statement.capFen)} (${share}%)`}
      />
      <p class='bar-legend'>
        <span>
          <Money fen={used} /> / <Money fen={statement.capFen} /> ({share}%)
        </span>
        <span>
          <Bi zh='剩余' en='Remaining' /> <strong data-testid='remaining'><Money fen={statement.remainingCapFen} /></strong>
        </span>
      </p>
      <dl class='figures'>
        <div>
          <dt><Bi zh='本季已开票' en='Billed this season' /></dt>
          <dd data-testid='billed'><Money fen={statement.billedFen} /></dd>
        </div>
        <div>
          <dt><Bi zh={flat ? '全季费用' : '封顶额'} en={flat ? 'Season fee' : 'Cap'} /></dt>
          <dd data-testid='cap'><Money fen={statement.capFen} /></dd>
        </div>
        <div>
          <dt><Bi zh='应付余额' en='Balance due' /></dt>
          {/* A negative balance is the credit beside it: credit settles every open invoice it can. */}
          <dd data-testid='balance'><Money fen={Math.max(0, statement.balanceFen)} /></dd>
        </div>
        {statement.creditFen > 0 && (
          <div>
            <dt><Bi zh='可用预存' en='Credit available' /></dt>
            <dd data-testid='credit'><Money fen={statement.creditFen} /></dd>
          </div>
        )}
        {statement.projectedSeasonFen !== undefined && statement.projectedSeasonFen !== null && (
          <div>
            <dt><Bi zh='预计全季' en='Projected season' /></dt>
            <dd data-testid='projection'><Money fen={statement.projectedSeasonFen} /></dd>
          </div>
        )}
      </dl>
      {statement.capSavedFen > 0 && (
        <p class='notice good' data-testid='cap-saved'>
          <Bi zh={`封顶为您节省 ${cny(statement.capSavedFen)}`} en={`The cap saved you ${cny(statement.capSavedFen)} this season`} />
        </p>
      )}
      {statement.usageToDate && (
        <p class='notice' data-testid='usage-to-date'>
          <Bi zh={`截至 ${localTime(statement.usageToDate.readAt)} 新用量`} en='New usage since the last invoice' />{' '}
          {statement.usageToDate.units} ·{' '}
          <Bi zh='下期约' en='next invoice about' /> <Money fen={statement.usageToDate.amountFen} />
        </p>
      )}
    </Section>
  );
}

function Usage({ statement }: { statement: Statement }) {
  // Months whose invoice carries a cap line: from then on the season's usage costs nothing more.
  const capped = new Set(
    statement.invoices.filter((i) => i.status !== 'void' && i.lines.some((line) => line.kind === 'cap')).map((i) => i.period),
  );
  if (statement.usage.length === 0) {
    return (
      <Section id='usage' zh='月度用量' en='Monthly usage'>
        <p class='muted'><Bi zh='本季尚无账单。' en='No invoice this season yet.' /></p>
      </Section>
    );
  }
  return (
    <Section id='usage' zh='月度用量' en='Monthly usage'>
      <UsageChart usage={statement.usage} />
      <div class='table-scroll'>
        <table>
          <caption><Bi zh='每月用量（字）与金额（元）' en='Units and CNY per month' /></caption>
          <TableHead columns={[['月份', 'Month'], ['用量', 'Units', 'n'], ['金额', 'Amount', 'n']]} />
          <tbody>
            {statement.usage.map((month) => (
              <tr key={month.period}>
                <th scope='row'>
                  {monthZh(month.period)} <span class='en' lang='en'>{monthEn(month.period)}</span>
                  {capped.has(month.period) && (
                    <>
                      {' '}
                      <span class='badge good' data-testid='capped-month'><Bi zh='已封顶' en='capped' /></span>
                    </>
                  )}
                </th>
                <td class='n'>{month.units}</td>
                <td class='n'><Money fen={month.amountFen} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function Invoices({ invoices }: { invoices: Invoice[] }) {
  return (
    <Section id='invoices' zh='账单' en='Invoices'>
      {invoices.length === 0
        ? (
          <p class='muted'><Bi zh='本季暂无账单。' en='No invoices this season.' /></p>
          )
        : (
          <ul class='list'>
            {[...invoices].reverse().map((invoice) => (
              <li key={invoice.id} data-testid='invoice'>
                <span>
                  <strong>{monthZh(invoice.period)}</strong> <span class='en' lang='en'>{monthEn(invoice.period)}</span>
                </span>
                <span class='sub'>
                  {invoice.number} · <Bi zh='截止' en='due' /> <span class='date'>{invoice.dueOn}</span>
                </span>
                <span class='end'>
                  <strong><Money fen={invoice.totalFen} /></strong>
                  <StatusBadge status={invoice.status} overdue={invoice.overdue} />
                  <PrintLink kind='invoice' id={invoice.id} zh='查看/打印' en='View & print' label={invoice.number} />
                </span>
              </li>
            ))}
          </ul>
          )}
    </Section>
  );
}

function Payments({ statement }: { statement: Statement }) {
  return (
    <Section id='payments' zh='缴费记录' en='Payments'>
      {statement.payments.length === 0
        ? (
          <p class='muted'><Bi zh='暂无缴费记录。' en='No payments yet.' /></p>
          )
        : (
          <ul class='list'>
            {[...statement.payments].reverse().map((payment) => (
              <li key={payment.id} data-testid='payment'>
                <span>{localTime(payment.paidAt)}</span>
                <span class='sub'>{payment.reference}</span>
                <span class='end'>
                  <strong><Money fen={payment.amountFen} /></strong>
                  {payment.unallocatedFen > 0 && (
                    <span class='muted'><Bi zh='预存' en='credit' /> <Money fen={payment.unallocatedFen} /></span>
                  )}
                </span>
              </li>
            ))}
          </ul>
          )}
    </Section>
  );
}

function PendingAdjustments({ statement }: { statement: Statement }) {
  const pending = statement.pendingAdjustments ?? [];
  return (
    <Section id='adjustments' zh='待入账调整' en='Pending adjustments'>
      {pending.length === 0
        ? (
          <p class='muted'><Bi zh='没有待入账的调整。' en='No adjustments waiting for the next invoice.' /></p>
          )
        : (
          <>
            <p class='muted'><Bi zh='以下调整将计入下一张账单：' en='The next invoice will carry these:' /></p>
            <ul class='list'>
              {pending.map((adjustment) => (
                <li key={adjustment.id} data-testid='adjustment'>
                  <span>{adjustment.description}</span>
                  <span class='sub'>{localTime(adjustment.createdAt)}</span>
                  <span class='end'><strong><Money fen={adjustment.amountFen} /></strong></span>
                </li>
              ))}
            </ul>
          </>
          )}
    </Section>
  );
}

/** The payment notice when something is overdue (the statement's due, as the notice counts it), and months without a reading. */
function Notices({ statement }: { statement: Statement }) {
  const { overdue, overdueFen } = statement.due;
  const noReading = statement.invoices.filter((invoice) => invoice.noReading && invoice.status !== 'void');
  return (
    <Section id='notices' zh='通知' en='Notices'>
      {!overdue && noReading.length === 0 && <p class='muted'><Bi zh='暂无通知。' en='No notices.' /></p>}
      {overdue && (
        <p class='notice bad' data-testid='overdue-notice'>
          <Bi zh={`缴费通知书：逾期 ${cny(overdueFen)}`} en={`Payment notice: ${cny(overdueFen)} overdue`} />{' '}
          <PrintLink kind='notice' id={statement.account.id} zh='查看/打印' en='View & print' label='缴费通知书 Payment notice' />
        </p>
      )}
      {noReading.map((invoice) => (
        <p class='notice' key={invoice.id} data-testid='no-reading-notice'>
          <Bi zh={`${monthZh(invoice.period)}账单：无新表读数。`} en={`${monthEn(invoice.period)} invoice: no new meter reading.`} />
        </p>
      ))}
    </Section>
  );
}

export function StatementView({ statement }: { statement: Statement }) {
  return (
    <div class='grid'>
      <DueNow statement={statement} />
      <Home statement={statement} />
      <CapProgress statement={statement} />
      <Notices statement={statement} />
      <Usage statement={statement} />
      <div class='two'>
        <Invoices invoices={statement.invoices} />
        <div>
          <Payments statement={statement} />
          <PendingAdjustments statement={statement} />
        </div>
      </div>
    </div>
  );
}
