import { Type, type Static } from '@sinclair/typebox';
import { Text } from '../http/schemas.js';
import type { Selectable } from 'kysely';
import type { ProvidersTable } from '../db/types.js';

/** 8–32 digits, optionally grouped by single spaces as a bank prints them ("4200 1234 5678 9012"). */
const BANK_ACCOUNT = '^(?=([0-9] ?){8,32}$)[0-9]+( [0-9]+)*$';

/** A provider's payment details as set (SPEC §9 "how to pay"): a full replacement of what it had. */
export const PaymentDetailsBody = Type.Object(
  {
    payeeName: Text({ maxLength: 100, description: '收款单位 / 户名: the name on the receiving account' }),
    bankName: Type.Optional(Text({ maxLength: 100, description: '开户行: bank and branch; given with bankAccount' })),
    bankAccount: Type.Optional(
      Type.String({ pattern: BANK_ACCOUNT, maxLength: 40, description: '账号: 8–32 digits, groups of digits separated by single spaces' }),
    ),
    qr: Type.Optional(
      Type.String({
        pattern: '^(https://|wxp://)[!-~]+$',
        maxLength: 500,
        description: "the payment QR code's content: a wxp:// or https:// link",
      }),
    ),
    hotline: Type.Optional(
      Type.String({ pattern: '^[0-9][0-9 -]{1,28}[0-9]$', description: '缴费咨询电话, digits with spaces or hyphens (027-8765 4321)' }),
    ),
    noteZh: Type.Optional(Text({ maxLength: 300, description: 'how to pay in Chinese (counter hours, what to quote); with noteEn' })),
    noteEn: Type.Optional(Text({ maxLength: 300, description: 'how to pay, in English; given with noteZh' })),
  },
  { additionalProperties: false },
);
export type PaymentDetailsIn = Static<typeof PaymentDetailsBody>;

const nullable = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

export const PaymentDetailsSchema = Type.Object(
  {
    payeeName: Type.String({ description: '收款单位 / 户名: the name on the receiving account' }),
    bankName: nullable('开户行: bank and branch; null when the provider takes no bank transfer'),
    bankAccount: nullable('账号, as printed (digits grouped by spaces); null with bankName'),
    qr: nullable("the payment QR code's content (a wxp:// or https:// link); null: none"),
    hotline: nullable('缴费咨询电话; null: none'),
    noteZh: nullable('how to pay, in Chinese; null: none'),
    noteEn: nullable('how to pay, in English; null with noteZh'),
  },
  {
    title: 'PaymentDetails',
    description:
      "A provider's payment details (SPEC §9): who to pay and how, printed on its notices; quote the invoice numbers as reference.",
  },
);
export type PaymentDetails = Static<typeof PaymentDetailsSchema>;

/** The providers columns of the details (db/migrations/0025_provider_payment_details.sql). */
export type PaymentDetailsRow = Pick<
  Selectable<ProvidersTable>,
  'payee_name' | 'bank_name' | 'bank_account' | 'pay_qr' | 'pay_hotline' | 'pay_note_zh' | 'pay_note_en'
>;

/** The details as the API shows them; null when the provider has none (no payee: the migration's check). */
export function paymentDetailsOut(row: PaymentDetailsRow): PaymentDetails | null {
  if (row.payee_name === null) return null;
  return {
    payeeName: row.payee_name,
    bankName: row.bank_name,
    bankAccount: row.bank_account,
    qr: row.pay_qr,
    hotline: row.pay_hotline,
    noteZh: row.pay_note_zh,
    noteEn: row.pay_note_en,
  };
}

/** The body as the row stores it: every column set, a field left out clears its column. */
export function paymentDetailsRow(body: PaymentDetailsIn): PaymentDetailsRow {
  return {
    payee_name: body.payeeName,
    bank_name: body.bankName ?? null,
    bank_account: body.bankAccount ?? null,
    pay_qr: body.qr ?? null,
    pay_hotline: body.hotline ?? null,
    pay_note_zh: body.noteZh ?? null,
    pay_note_en: body.noteEn ?? null,
  };
}
