import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../config.js';
import { openRuntime } from '../runtime.js';
import { runBilling, type BillingProgress, type BillingRunOut } from '../billing/service.js';
import { formatFenAsCny } from '../core/index.js';
import { exitWithError } from './fail.js';

function period(value: string): string {
  if (!/^[0-9]{4}-(0[1-9]|1[0-2])$/.test(value)) throw new InvalidArgumentError('expected a month YYYY-MM, e.g. 2026-01');
  return value;
}

const program = new Command()
  .name('billing')
  .description('Run the monthly batch: every invoice of a month, per compound, exactly once')
  .requiredOption('--period <YYYY-MM>', 'billing month', period)
  .option('--compound <code>', 'only this compound (default: all compounds)')
  .option('--dry-run', 'compute the same figures, store no invoice', false)
  .option('--estimate', 'bill an open metered account with no reading for the month from an estimate (SPEC §9)', false)
  .parse();

const options = program.opts<{ period: string; compound?: string; dryRun: boolean; estimate: boolean }>();
const tty = process.stdout.isTTY === true;
const out = (line: string) => process.stdout.write(`${line}\n`);

let bars: cliProgress.MultiBar | undefined;
const barOf = new Map<string, cliProgress.SingleBar>();

function onProgress(event: BillingProgress): void {
  if (event.type === 'compound-start') {
    if (tty) {
      bars ??= new cliProgress.MultiBar(
        { format: ' {code} |{bar}| {value}/{total} accounts', hideCursor: true, clearOnComplete: false, stopOnComplete: false },
        cliProgress.Presets.shades_classic,
      );
      barOf.set(event.code, bars.create(Math.max(event.accounts, 1), 0, { code: event.code.padEnd(26) }));
    }
  } else if (event.type === 'compound-progress') {
    barOf.get(event.code)?.update(event.processed);
  } else if (event.type === 'compound-done') {
    const s = event.summary;
    const bar = barOf.get(event.code);
    if (bar) {
      bar.setTotal(Math.max(s.accountsBilled, 1));
      bar.update(s.accountsBilled);
    }
    const line =
      `${event.dryRun ? 'computed' : 'committed'} ${event.code}: ${s.invoicesIssued} invoices, ${s.accountsBilled} accounts, ` +
      `total ${formatFenAsCny(s.totalFen)} CNY, capped ${s.cappedAccounts}` +
      `${noReading(s.noReadingAccounts)}${estimated(s.estimatedAccounts)}${alreadyBilled(s.alreadyBilledAccounts)} ` +
      `(${(s.durationMs / 1000).toFixed(2)} s)`;
    if (bars) bars.log(`${line}\n`);
    else out(line);
  } else if (event.type === 'compound-failed') {
    const line = `FAILED ${event.error} (nothing of this compound was stored)`;
    if (bars) bars.log(`${line}\n`);
    else out(line);
  }
}

/** A re-run's count, so "0 invoices" reads as "already billed", not "nothing billed". */
function alreadyBilled(accounts: number): string {
  return accounts === 0 ? '' : `; ${accounts} account${accounts === 1 ? '' : 's'} already billed for the month, left alone`;
}

/** Accounts billed with usage 0 for want of a reading: said out loud, never a silent "paid" month. */
function noReading(accounts: number): string {
  return accounts === 0 ? '' : `, ${accounts} without a reading (usage 0, "no new reading")`;
}

/** Accounts billed from an estimate (SPEC §9): the next real reading trues them up. */
function estimated(accounts: number): string {
  return accounts === 0 ? '' : `, ${accounts} from an estimate (估算 Estimated)`;
}

/** Each compound's outcome, the ones that were not billed with their reason. */
function compoundLines(compounds: BillingRunOut['compounds']): string[] {
  const billed = compounds.filter((c) => c.status === 'succeeded');
  return [
    `  compounds:       ${billed.length} of ${compounds.length} billed`,
    ...compounds.filter((c) => c.status !== 'succeeded').map((c) => `    ${c.status.toUpperCase()} ${c.compound}: ${c.reason ?? ''}`),
  ];
}

try {
  const runtime = await openRuntime(loadConfig(), { poolSize: 4 });
  const started = Date.now();
  let run;
  try {
    run = await runBilling(runtime, {
      period: options.period,
      compound: options.compound,
      dryRun: options.dryRun,
      estimate: options.estimate,
      actor: 'cli',
      onProgress,
    });
  } finally {
    bars?.stop();
    await runtime.close();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(2);
  out(
    [
      `billing run ${run.id} ${run.status}${run.dryRun ? ' (dry run: nothing stored)' : ''}`,
      `  period:          ${run.period}${run.compound ? ` (${run.compound})` : ''}`,
      `  accounts:        ${run.accountsBilled}`,
      `  invoices:        ${run.invoicesIssued}${alreadyBilled(run.alreadyBilledAccounts)}`,
      `  total:           ${formatFenAsCny(run.totalFen)} CNY (${run.totalFen} fen)`,
      `  capped accounts: ${run.cappedAccounts}`,
      `  no reading:      ${run.noReadingAccounts} account${run.noReadingAccounts === 1 ? '' : 's'} (usage 0: load readings first)`,
      `  estimated:       ${run.estimatedAccounts} account${run.estimatedAccounts === 1 ? '' : 's'}` +
        `${run.estimate ? ' (trued up by the next real reading)' : ' (run with --estimate to estimate missing readings)'}`,
      `  duration:        ${seconds} s`,
      ...(run.compounds.length > 1 ? compoundLines(run.compounds) : []),
    ].join('\n'),
  );
  // Non-zero unless every compound succeeded (a partial run too): a schedule or script must notice.
  if (run.status !== 'succeeded') {
    process.stderr.write(`error: ${run.error ?? 'the run failed'}\n`);
    process.exit(1);
  }
} catch (error) {
  exitWithError(error);
}
