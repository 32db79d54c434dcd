import { cny, escapeHtml as e, PRINT_CSS } from '../invoices/html.js';
import { maskName, maskPhone } from '../statements/mask.js';
import type { LateFeeDue } from '../billing/late-fees.js';
import { paymentDetailsOut } from '../providers/schemas.js';
import type { NoticeAccount, OverdueInvoice } from './repository.js';

/** The late fee accrued to the notice's date and not yet billed, per invoice, and how it accrues (SPEC §9). */
function lateFeeSection(fees: readonly LateFeeDue[], asOf: string): string {
  if (fees.length === 0) return '';
  const totalFen = fees.reduce((sum, fee) => sum + fee.accrual.feeFen, 0);
  const rates = [...new Set(fees.map((fee) => `${fee.rateText}‰`))].join(' / ');
  const rows = fees
    .map(
      (fee) =>
        `<tr><td class="ref">${e(fee.number)}</td>` +
        `<td>${fee.accrual.accruingDays} 天 <span class="en">days</span> × ${e(fee.rateText)}‰</td>` +
        `<td class="n">${e(cny(fee.accrual.feeFen))}</td></tr>`,
    )
    .join('\n');
  return `<h2>滞纳金 <span class="en">Late fee</span></h2>
<p>逾期账单自付款截止日次日起，按未付金额每日 ${e(rates)} 计收滞纳金，付清即停止，计入下一期账单。
<span class="en">An overdue invoice accrues a late fee of ${e(rates)} of its unpaid amount a day from the day after its due date until paid;
it is billed on the next invoice.</span></p>
<table>
<thead><tr><th>账单号 <span class="en">Invoice no.</span></th><th>计费天数 <span class="en">Days</span></th>
<th class="n">滞纳金 <span class="en">Late fee</span></th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><td colspan="2">截至 ${e(asOf)} 未出账滞纳金 <span class="en">Accrued to ${e(asOf)}, not yet billed</span></td>
<td class="n total">${e(cny(totalFen))}</td></tr></tfoot>
</table>`;
}

/** One row of the payment details: Chinese and English label, the value escaped (`ref`: a number to copy). */
const detail = (zh: string, en: string, value: string | null, ref = false) =>
  value === null ? '' : `<dt>${zh} <span class="en">${en}</span></dt><dd${ref ? ' class="ref"' : ''}>${e(value)}</dd>\n`;

/**
 * How to pay (SPEC §9): whom, with the invoice numbers as the payment reference, then the
 * provider's payment details when it has set them (payee, bank and account, QR link, hotline, note).
 */
function howToPay(account: NoticeAccount, invoices: readonly OverdueInvoice[]): string {
  const details = paymentDetailsOut(account);
  const payee = details?.payeeName ?? account.provider_name;
  const lines = details
    ? detail('收款单位', 'Payee', details.payeeName) +
      detail('开户行', 'Bank', details.bankName) +
      detail('账号', 'Account no.', details.bankAccount, true) +
      detail('扫码支付', 'Pay by QR code', details.qr, true) +
      detail('缴费咨询', 'Enquiries', details.hotline)
    : '';
  const note = details?.noteZh ? `<p>${e(details.noteZh)} <span class="en">${e(details.noteEn ?? '')}</span></p>\n` : '';
  return `<h2>如何缴费 <span class="en">How to pay</span></h2>
<p>请向 ${e(payee)} 缴费，并注明以下账单号作为付款备注：
<span class="en">Pay ${e(payee)} and quote these invoice numbers as the payment reference:</span></p>
<p class="ref">${invoices.map((invoice) => e(invoice.number)).join(' ')}</p>
${lines ? `<dl class="meta pay">\n${lines}</dl>\n` : ''}${note}`;
}

/** Narrow screens: the table's cells wrap (long invoice numbers) so that nothing scrolls sideways. */
const NOTICE_CSS = `
@media screen and (max-width:40rem){body{margin:1rem .75rem}th,td{padding:.3rem .25rem}td{overflow-wrap:anywhere}}
.total{font-size:1.2rem;font-weight:bold}.ref{font-family:ui-monospace,monospace;overflow-wrap:anywhere}
`;

/**
 * A printable bilingual payment notice (缴费通知书, SPEC §9), Chinese first and English beside,
 * in the invoice print view's style: the overdue invoices with their due dates and amounts due,
 * how to pay (the provider's payment details, the invoice numbers to quote as the payment
 * reference), and the late fee accruing, if any.
 * Every value is escaped; the holder's name and phone are masked as statements mask them.
 */
export function noticeHtml(
  account: NoticeAccount,
  invoices: readonly OverdueInvoice[],
  asOf: string,
  lateFees: readonly LateFeeDue[] = [],
): string {
  const totalFen = invoices.reduce((sum, invoice) => sum + invoice.total_fen - invoice.paid_fen, 0);
  const rows = invoices
    .map(
      (invoice) =>
        `<tr><td class="ref">${e(invoice.number)}</td><td>${e(invoice.period)}</td><td>${e(invoice.due_on)}</td>` +
        `<td class="n">${e(cny(invoice.total_fen - invoice.paid_fen))}</td></tr>`,
    )
    .join('\n');
  const phone = maskPhone(account.phone);
  const body =
    invoices.length === 0
      ? '<p>截至本日无逾期账单。 <span class="en">No overdue invoices as of this date.</span></p>'
      : `<table>
<thead><tr><th>账单号 <span class="en">Invoice no.</span></th><th>账期 <span class="en">Period</span></th>
<th>付款截止 <span class="en">Due on</span></th><th class="n">应付 <span class="en">Due</span></th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><td colspan="3">合计欠费 <span class="en">Total overdue</span></td><td class="n total">${e(cny(totalFen))}</td></tr></tfoot>
</table>
${howToPay(account, invoices)}`;
  const fee = lateFeeSection(lateFees, asOf);
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(`缴费通知书 Payment notice ${account.compound_code} ${account.building}-${account.unit}-${account.room}`)}</title>
<style>${PRINT_CSS}${NOTICE_CSS}</style>
</head>
<body>
<header>
<h1>缴费通知书 <small>Payment notice: heat-pump heating &amp; cooling</small></h1>
</header>
<dl class="meta">
<dt>小区 <span class="en">Compound</span></dt><dd>${e(account.compound_name)} <span class="en">(${e(account.compound_code)})</span></dd>
<dt>房屋 <span class="en">Home</span></dt><dd>${e(account.building)} 栋 ${e(account.unit)} 单元 ${e(account.room)} 室
<span class="en">Building ${e(account.building)}, unit ${e(account.unit)}, room ${e(account.room)}</span></dd>
<dt>户主 <span class="en">Account holder</span></dt><dd>${e(maskName(account.holder_name))}${phone ? ` · ${e(phone)}` : ''}</dd>
<dt>日期 <span class="en">As of</span></dt><dd>${e(asOf)}</dd>
<dt>收费单位 <span class="en">Provider</span></dt><dd>${e(account.provider_name)}</dd>
</dl>
<p>您好！以下账单已过付款截止日，请尽快缴费。 <span class="en">The invoices below are past their due date; please pay soon.</span></p>
${body}
${fee}
<p class="en">金额单位：人民币元。Amounts in CNY. 已缴费请忽略本通知 · If you have paid, please ignore this notice.</p>
</body>
</html>
`;
}
