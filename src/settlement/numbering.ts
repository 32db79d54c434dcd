/**
 * Final invoices are numbered in the SAME gapless sequence per compound and month as the
 * monthly batch ({CODE}-{YYYYMM}-{NNNNNN}, SPEC §5), under the batch's lock.
 */
export { invoiceNumber, lockInvoiceNumbering, nextInvoiceSeq } from '../billing/index.js';
