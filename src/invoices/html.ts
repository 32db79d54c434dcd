import { cny } from '../core/cny.js';

export { cny };
import type { InvoiceStatus, LineKind } from '../db/types.js';
import { maskPhone } from '../statements/mask.js';
import type { LoadedInvoice } from './repository.js';
import { invoiceLineOut } from './schemas.js';

/** Every text that reaches the page goes through here. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STATUS: Record<InvoiceStatus, [string, string]> = {
  issued: ['待付款', 'Issued, awaiting payment'],
  partially_paid: ['部分付款', 'Partially paid'],
  paid: ['已付清', 'Paid'],
  void: ['已作废', 'Void'],
};

const KIND: Record<LineKind, [string, string]> = {
  usage: ['用量', 'Usage'],
  cap: ['封顶减免', 'Cap reduction'],
  flat_installment: ['一口价分期', 'Flat fee installment'],
  flat_upfront: ['一口价', 'Flat fee'],
  adjustment: ['调整', 'Adjustment'],
  final_settlement: ['结算', 'Final settlement'],
  late_fee: ['滞纳金', 'Late fee'],
};

/** The print view's style, shared by the invoice and the payment notice. */
export const PRINT_CSS = `
body{font-family:"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif;
color:#111;margin:2rem auto;max-width:48rem;line-height:1.45}
h1{font-size:1.4rem;margin:0}h1 small{display:block;font-size:.9rem;font-weight:normal;color:#555}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:1.2rem 0}
.meta dt{color:#555}.meta dd{margin:0}
table{width:100%;border-collapse:collapse;margin:1rem 0}
th,td{border-bottom:1px solid #ccc;padding:.35rem .4rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;white-space:nowrap}tfoot td{font-weight:bold;border-bottom:none}
.en{color:#555;font-size:.85em}.status{display:inline-block;padding:.1rem .5rem;border:1px solid #111;border-radius:.3rem}
@media (max-width:40rem){body{margin:1rem .75rem}th,td{padding:.3rem .2rem;font-size:.85rem}
th .en,td.n .en{display:block}.meta{grid-template-columns:1fr;gap:0}.meta dd{margin-bottom:.4rem}}
@media print{body{margin:0;max-width:none;font-size:11pt}a{color:inherit;text-decoration:none}@page{size:A4;margin:15mm}}
`;

/** A printable bilingual invoice (Chinese first, English after); every value is escaped. */
export function invoiceHtml({ row, lines }: LoadedInvoice): string {
  const e = escapeHtml;
  const [statusZh, statusEn] = STATUS[row.status];
  const body = lines
    .map((line) => {
      const out = invoiceLineOut(line);
      const [zh, en] = KIND[line.kind];
      return (
        `<tr><td>${e(zh)}<br><span class="en">${e(en)}</span></td><td>${e(line.description)}</td>` +
        `<td class="n">${e(out.units ?? '')}</td><td class="n">${e(out.unitRate ?? '')}</td>` +
        `<td class="n">${e(cny(line.amount_fen))}</td></tr>`
      );
    })
    .join('\n');
  const dueFen = Math.max(0, row.total_fen - row.paid_fen);
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(`发票 Invoice ${row.number}`)}</title>
<style>${PRINT_CSS}</style>
</head>
<body>
<header>
<h1>地源热泵供暖制冷费用账单 <small>Ground-source heat-pump heating &amp; cooling invoice</small></h1>
</header>
<main>
<dl class="meta">
<dt>账单号 <span class="en">Invoice no.</span></dt><dd>${e(row.number)}</dd>
<dt>小区 <span class="en">Compound</span></dt><dd>${e(row.compound_name)} <span class="en">(${e(row.compound_code)})</span></dd>
<dt>房屋 <span class="en">Home</span></dt><dd>${e(row.building)} 栋 ${e(row.unit)} 单元 ${e(row.room)} 室
<span class="en">Building ${e(row.building)}, unit ${e(row.unit)}, room ${e(row.room)}</span></dd>
<dt>户主 <span class="en">Account holder</span></dt><dd>${e(row.holder_name)}${row.phone ? ` · ${e(maskPhone(row.phone) ?? '')}` : ''}</dd>
<dt>账期 <span class="en">Period</span></dt><dd>${e(row.period)}</dd>
<dt>开具日期 <span class="en">Issued on</span></dt><dd>${e(row.issued_on)}</dd>
<dt>付款截止 <span class="en">Due on</span></dt><dd>${e(row.due_on)}</dd>
<dt>状态 <span class="en">Status</span></dt><dd><span class="status">${e(statusZh)} · ${e(statusEn)}</span>${
  row.no_reading ? ' <span class="en">无新读数 no new reading</span>' : ''
}</dd>
</dl>
<table>
<thead><tr><th>项目 <span class="en">Item</span></th><th>说明 <span class="en">Description</span></th>
<th class="n">用量 <span class="en">Units</span></th><th class="n">单价 <span class="en">Rate (CNY)</span></th>
<th class="n">金额 <span class="en">Amount</span></th></tr></thead>
<tbody>
${body}
</tbody>
<tfoot>
<tr><td colspan="4">合计 <span class="en">Total</span></td><td class="n">${e(cny(row.total_fen))}</td></tr>
<tr><td colspan="4">已付 <span class="en">Paid</span></td><td class="n">${e(cny(row.paid_fen))}</td></tr>
<tr><td colspan="4">应付余额 <span class="en">Amount due</span></td><td class="n">${e(cny(row.status === 'void' ? 0 : dueFen))}</td></tr>
</tfoot>
</table>
<p class="en">金额单位：人民币元。Amounts in CNY. 请于付款截止日前缴费 · Please pay by the due date.</p>
</main>
</body>
</html>
`;
}
