import { Type } from '@sinclair/typebox';
import { CompoundCode, Fen, Period, Uuid } from '../http/schemas.js';

export const CreateRunBody = Type.Object(
  {
    period: Period,
    compound: Type.Optional(CompoundCode),
    dryRun: Type.Optional(Type.Boolean({ default: false, description: 'compute the same figures, store no invoice' })),
    estimate: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'bill an open metered account with no reading for the month from an estimated reading (SPEC §9)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const BillingRunSchema = Type.Object(
  {
    id: { ...Uuid, description: 'the run id' },
    period: Period,
    compound: Type.Union([CompoundCode, Type.Null()], { description: 'null: every compound of the provider' }),
    status: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('partial'), Type.Literal('failed')], {
      description: 'succeeded: every compound succeeded; partial: some did; failed: none did',
    }),
    compounds: Type.Array(
      Type.Object({
        compound: { ...CompoundCode, description: 'the compound code' },
        status: Type.Union([Type.Literal('succeeded'), Type.Literal('refused'), Type.Literal('failed')], {
          description: 'succeeded: billed; refused: not billable now (month order); failed: nothing of it stored',
        }),
        reason: Type.Optional(Type.String({ description: 'why the compound was refused (month order) or failed' })),
      }),
      { description: 'each compound the run covered, billed as its own unit (empty while the run is running)' },
    ),
    dryRun: Type.Boolean({ description: 'true: figures only, no invoice stored' }),
    estimate: Type.Boolean({ description: 'true: accounts with no reading for the month are billed from an estimate (SPEC §9)' }),
    accountsBilled: Type.Integer({ description: 'accounts due for the month that the run looked at' }),
    invoicesIssued: Type.Integer({ description: 'invoices issued (a dry run: that would be issued)' }),
    totalFen: Fen,
    cappedAccounts: Type.Integer({ description: 'accounts whose invoice of the month has a cap line' }),
    skippedAccounts: Type.Integer({ description: 'accounts already billed through a later month, left alone' }),
    alreadyBilledAccounts: Type.Integer({ description: 'accounts that already had their invoice of this month (a re-run), left alone' }),
    noReadingAccounts: Type.Integer({
      description: 'accounts billed (a dry run: to be billed) with no new reading for the month: usage 0, marked noReading',
    }),
    estimatedAccounts: Type.Integer({
      description: 'accounts billed (a dry run: to be billed) from an estimated reading, their usage lines marked estimated',
    }),
    noReadings: Type.Array(
      Type.Object({
        accountId: { ...Uuid, description: 'the metered account with no reading for the month' },
        householdId: { ...Uuid, description: "the account's household" },
      }),
      {
        description:
        'a dry run: the accounts counted in noReadingAccounts, in household order (at most 1,000 per compound); ' +
        'empty for a real run, whose invoices say noReading',
      }),
    exceptions: Type.Array(
      Type.Object({
        accountId: { ...Uuid, description: 'the account left unbilled' },
        householdId: { ...Uuid, description: "the account's household" },
        reason: Type.String({ description: 'why it could not be billed, in English' }),
      }),
      { description: 'accounts the run could not bill and left unbilled; a run after the fix bills them' },
    ),
    startedBy: Type.String({ description: 'who started it: admin, operator-token:{id}, schedule or cli' }),
    startedAt: Type.String({ format: 'date-time', description: 'when it started' }),
    finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'when it ended; null while running' }),
    error: Type.Union([Type.String(), Type.Null()], { description: 'why a failed run failed (per compound)' }),
  },
  {
    $id: 'BillingRun',
    title: 'BillingRun',
    description: 'One run of the monthly batch for a period: its compounds, its counts and the accounts it could not bill (SPEC §6).',
  },
);
