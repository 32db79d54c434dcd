import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../shared/api';
import { localTime } from '../shared/format';
import type { BillingRun, Compound } from '../shared/types';
import { Bi, ErrorNote, Money, Section, TableHead } from '../shared/ui';
import { HouseholdLabel } from './household';
import { NoReadings, noReadingCount, realRunBlocked } from './no-readings';

const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function RunResult({ api, run }: { api: Api; run: BillingRun }) {
  const running = run.status === 'running';
  return (
    <div data-testid={run.dryRun ? 'dry-run-result' : 'run-result'} aria-live='polite'>
      <p class={run.status === 'failed' || run.status === 'partial' ? 'error' : running ? '' : 'ok'} data-testid='run-status'>
        {run.dryRun ? <Bi zh='试算' en='Dry run' /> : <Bi zh='正式开票' en='Billing run' />}
        {run.estimate && <> (<Bi zh='估算缺失读数' en='estimating missing readings' />)</>} ·{' '}
        {running && <Bi zh='进行中…' en='running…' />}
        {run.status === 'succeeded' && <Bi zh='完成' en='succeeded' />}
        {run.status === 'partial' && <Bi zh='部分完成' en='partly billed' />}
        {run.status === 'failed' && <Bi zh='失败' en='failed' />}
      </p>
      {running && <progress class='cap' aria-label='开票进行中 Billing in progress' />}
      {run.error && <p class='error'>{run.error}</p>}
      <dl class='figures'>
        <div>
          <dt><Bi zh='账户' en='Accounts' /></dt>
          <dd data-testid='run-accounts'>{run.accountsBilled}</dd>
        </div>
        <div>
          <dt>{run.dryRun ? <Bi zh='将开账单' en='Invoices to issue' /> : <Bi zh='已开账单' en='Invoices issued' />}</dt>
          <dd data-testid='run-invoices'>{run.invoicesIssued}</dd>
        </div>
        <div>
          <dt><Bi zh='合计' en='Total' /></dt>
          <dd data-testid='run-total'><Money fen={run.totalFen} /></dd>
        </div>
        <div>
          <dt><Bi zh='封顶户数' en='Capped accounts' /></dt>
          <dd>{run.cappedAccounts}</dd>
        </div>
        <div>
          <dt><Bi zh='已由后续月份开票' en='Billed through a later month' /></dt>
          <dd data-testid='run-skipped'>{run.skippedAccounts}</dd>
        </div>
        <div>
          <dt><Bi zh='本月已开票' en='Already billed for the month' /></dt>
          <dd data-testid='run-already-billed'>{run.alreadyBilledAccounts}</dd>
        </div>
        <div>
          <dt><Bi zh='无读数户数' en='Accounts without a reading' /></dt>
          <dd data-testid='run-no-reading'>{noReadingCount(run)}</dd>
        </div>
        {run.estimate && (
          <div>
            <dt><Bi zh='估算户数' en='Billed from an estimate' /></dt>
            <dd data-testid='run-estimated'>{run.estimatedAccounts}</dd>
          </div>
        )}
      </dl>
      <p class='muted'>
        <Bi zh='开始' en='started' /> {localTime(run.startedAt)}
        {run.finishedAt && (
          <>
            {' · '}
            <Bi zh='结束' en='finished' /> {localTime(run.finishedAt)}
          </>
        )}
      </p>
      <NoReadings api={api} run={run} />
      {run.exceptions.length > 0 && (
        <div class='table-scroll'>
          <table data-testid='run-exceptions'>
            <caption><Bi zh='未能开票的账户' en='Accounts left unbilled' /></caption>
            <TableHead columns={[['房号', 'Home'], ['原因', 'Reason']]} />
            <tbody>
              {run.exceptions.map((exception) => (
                <tr key={exception.accountId}>
                  <td><HouseholdLabel api={api} id={exception.householdId} /></td>
                  <td>{exception.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export interface BillingRunProps {
  api: Api;
  compound: Compound;
  period: string;
  onFinished: () => void;
}

/**
 * The monthly batch for one compound and month: a dry run first (it stores nothing), then the real
 * run, offered only once a dry run of the same compound and month succeeded. A dry run that finds
 * accounts without a reading offers to estimate them (SPEC §9): a dry run with estimate, whose real
 * run then estimates too. A run that answers 202 is followed by polling GET /v1/billing-runs/{id}
 * until it finishes.
 */
export function BillingRunPanel({ api, compound, period, onFinished }: BillingRunProps) {
  const [dryRun, setDryRun] = useState<BillingRun>();
  const [realRun, setRealRun] = useState<BillingRun>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const alive = useRef(true);
  useEffect(() => () => {
    alive.current = false;
  }, []);

  async function start(dry: boolean, estimate: boolean) {
    setBusy(true);
    setError(undefined);
    const show = dry ? setDryRun : setRealRun;
    try {
      const body = { period, compound: compound.code, dryRun: dry, estimate };
      let run = (await api.jsonWithStatus<BillingRun>('/v1/billing-runs', { body })).body;
      show(run);
      while (run.status === 'running' && alive.current) {
        await sleep(POLL_MS);
        run = await api.json<BillingRun>(`/v1/billing-runs/${run.id}`);
        if (alive.current) show(run);
      }
      if (!dry && run.status !== 'running') {
        // A new real run needs a new dry run: what it showed has been billed (or has failed).
        setDryRun(undefined);
        onFinished();
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const blocked = dryRun && realRunBlocked(dryRun);
  const dryRunOk = dryRun?.status === 'succeeded' && !blocked;
  return (
    <Section id='billing' zh='月度开票' en='Monthly billing'>
      <p class='muted'>
        <Bi zh='先试算（不保存任何账单），确认后再正式开票。' en='Dry run first (stores nothing), then issue the invoices.' />
      </p>
      <div class='actions'>
        <button type='button' onClick={() => { void start(true, false); }} disabled={busy}>
          <Bi zh='试算' en='Dry run' />
        </button>
        <button
          type='button'
          class='primary'
          onClick={() => { void start(false, dryRun?.estimate ?? false); }}
          disabled={busy || !dryRunOk}
          aria-describedby={blocked ? 'real-run-blocked' : undefined}
        >
          {dryRunOk
            ? (
              <Bi zh={`正式开票（${dryRun.invoicesIssued} 张）`} en={`Issue ${dryRun.invoicesIssued} invoice(s)`} />
              )
            : (
              <Bi zh='正式开票' en='Issue invoices' />
              )}
        </button>
      </div>
      {blocked && (
        <p class='notice' id='real-run-blocked' data-testid='real-run-blocked'>
          <Bi zh={blocked.zh} en={blocked.en} />
        </p>
      )}
      {blocked && !dryRun.estimate && (
        <div class='actions'>
          <button type='button' onClick={() => { void start(true, true); }} disabled={busy} data-testid='estimate-dry-run'>
            <Bi zh='估算缺失读数并试算' en='Estimate the missing readings (dry run)' />
          </button>
        </div>
      )}
      <ErrorNote error={error} />
      {dryRun && <RunResult api={api} run={dryRun} />}
      {realRun && <RunResult api={api} run={realRun} />}
    </Section>
  );
}
