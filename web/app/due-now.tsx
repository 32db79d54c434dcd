import type { ComponentChildren } from 'preact';
import { cny } from '../shared/format';
import { PrintLink } from '../shared/print';
import type { Statement } from '../shared/types';
import { Bi, Money } from '../shared/ui';

type Provider = Statement['provider'];

/** One row of the payment details; nothing when the provider left it out. */
function Detail({ zh, en, children }: { zh: string; en: string; children: ComponentChildren }) {
  if (children === null || children === undefined) return null;
  return (
    <div>
      <dt><Bi zh={zh} en={en} /></dt>
      <dd>{children}</dd>
    </div>
  );
}

/** Whom to pay and how (the provider's payment details), and the invoice numbers to quote. */
function HowToPay({ provider, numbers }: { provider: Provider; numbers: string[] }) {
  const details = provider.paymentDetails;
  // Only a web link opens from the page; a wxp:// code is for the WeChat scanner, shown to copy.
  const qr = details?.qr ? (details.qr.startsWith('https://') ? <a href={details.qr} rel='noopener noreferrer'>{details.qr}</a> : details.qr) : null;
  return (
    <div class='how-to-pay' data-testid='how-to-pay'>
      <h3><Bi zh='如何缴费' en='How to pay' /></h3>
      <dl class='pay-details'>
        <Detail zh='收款单位' en='Payee'>{details?.payeeName ?? provider.name}</Detail>
        <Detail zh='开户行' en='Bank'>{details?.bankName}</Detail>
        <Detail zh='账号' en='Account no.'>
          {details?.bankAccount && <span class='ref' data-testid='bank-account'>{details.bankAccount}</span>}
        </Detail>
        <Detail zh='扫码支付' en='Pay by QR code'>{qr && <span class='ref'>{qr}</span>}</Detail>
        <Detail zh='缴费咨询' en='Enquiries'>
          {details?.hotline && <a href={`tel:${details.hotline.replace(/[ -]/g, '')}`}>{details.hotline}</a>}
        </Detail>
      </dl>
      {details?.noteZh && <p class='muted'><Bi zh={details.noteZh} en={details.noteEn ?? ''} /></p>}
      {numbers.length > 0 && (
        <p>
          <Bi zh='付款备注请注明账单号：' en='Quote as the payment reference:' />{' '}
          <span class='ref' data-testid='pay-reference'>{numbers.join(' ')}</span>
        </p>
      )}
    </div>
  );
}

/**
 * The first screen's answer to "what do I owe, by when, and how do I pay" (SPEC §10, issue 29):
 * the amount the open invoices owe and the earliest due date, the payment notice when something is
 * overdue, and the provider's payment details. Account-wide, whatever season is shown below.
 */
export function DueNow({ statement }: { statement: Statement }) {
  const { due, provider } = statement;
  return (
    <section class='card due-now' aria-labelledby='due-title' data-testid='due-now'>
      <h2 id='due-title'><Bi zh='应缴费用' en='Amount due' /></h2>
      <p class='due-amount' data-testid='due-amount'><Money fen={due.amountFen} /></p>
      {due.earliestDueOn
        ? (
          <p data-testid='due-by'>
            <Bi zh='请于此日前缴费：' en='Pay by' /> <strong class='date'>{due.earliestDueOn}</strong>
          </p>
          )
        : <p class='muted' data-testid='due-by'><Bi zh='目前没有待缴账单。' en='Nothing to pay now.' /></p>}
      {due.overdue && (
        <p class='notice bad' data-testid='due-overdue'>
          <Bi zh={`已逾期 ${cny(due.overdueFen)}，请尽快缴费。`} en={`${cny(due.overdueFen)} overdue; please pay soon.`} />{' '}
          <PrintLink kind='notice' id={statement.account.id} zh='缴费通知书' en='Payment notice' />
        </p>
      )}
      <HowToPay provider={provider} numbers={due.invoiceNumbers} />
    </section>
  );
}
