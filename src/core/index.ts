/** Pure billing core (SPEC §2, §3, §5, §7): no I/O. See decimal.ts for number conventions. */
export * from './decimal.js';
export * from './season.js';
export * from './tariff.js';
export * from './ledger.js';
export * from './metered.js';
export * from './flat.js';
export * from './invoice.js';
export * from './settlement.js';
export * from './allocation.js';
export * from './late-fee.js';
export * from './cap-threshold.js';
export * from './projection.js';
export * from './estimate.js';
export * from './register.js';
export * from './overdue.js';
