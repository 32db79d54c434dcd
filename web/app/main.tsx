import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import '../shared/styles.css';
import { ApiError, query, type Api } from '../shared/api';
import { printRequest, PrintView } from '../shared/print';
import { Session } from '../shared/session';
import type { Statement } from '../shared/types';
import { Bi, ErrorNote, Loading, TopBar } from '../shared/ui';
import { StatementView } from './statement';

/** The season before and after the one shown, among those the statement says exist for the account. */
function neighbours(statement: Statement): { previous?: string; next?: string } {
  const at = statement.seasons.indexOf(statement.season);
  return { previous: at > 0 ? statement.seasons[at - 1] : undefined, next: at >= 0 ? statement.seasons[at + 1] : undefined };
}

/** Only seasons that exist for the account: the one before, the one after, and back to the current one. */
function SeasonNav(props: { statement: Statement; currentSeason?: string; onPick: (season: string | undefined) => void }) {
  const { statement, currentSeason, onPick } = props;
  const { previous, next } = neighbours(statement);
  const away = currentSeason !== undefined && statement.season !== currentSeason;
  if (!previous && !next && !away) return null;
  return (
    <nav class='actions season-nav' aria-label='供暖季 Seasons'>
      {previous && (
        <button type='button' onClick={() => onPick(previous)}>
          <Bi zh={`上一季 ${previous}`} en='Previous season' />
        </button>
      )}
      {away && (
        <button type='button' onClick={() => onPick(undefined)}>
          <Bi zh={`当前季 ${currentSeason}`} en='Current season' />
        </button>
      )}
      {next && next !== currentSeason && (
        <button type='button' onClick={() => onPick(next)}>
          <Bi zh={`下一季 ${next}`} en='Next season' />
        </button>
      )}
    </nav>
  );
}

const NOT_A_RESIDENT = '这不是住户令牌，运营人员请使用 /console/ · This is not a resident token; operators use /console/';

function Resident({ api, accountId, onSignOut }: { api: Api; accountId: string; onSignOut: () => void }) {
  const [season, setSeason] = useState<string>();
  const [statement, setStatement] = useState<Statement>();
  const [currentSeason, setCurrentSeason] = useState<string>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    setError(undefined);
    api
      .json<Statement>(`/v1/accounts/${accountId}/statement${query({ season })}`)
      .then((loaded) => {
        setStatement(loaded);
        if (season === undefined) setCurrentSeason(loaded.season);
      })
      .catch((e: unknown) => {
        const missing = e instanceof ApiError && e.status === 404 && season !== undefined;
        setError(missing ? new Error(`没有 ${season} 供暖季的账单 No statement for season ${season}`) : e);
      });
  }, [season]);

  return (
    <>
      <TopBar zh='我的地源热泵账单' en='My heat-pump bill' onSignOut={onSignOut} />
      <main id='main'>
        <ErrorNote error={error} />
        {!statement && !error && <Loading />}
        {statement && (
          <>
            <SeasonNav statement={statement} currentSeason={currentSeason} onPick={setSeason} />
            <StatementView statement={statement} />
          </>
        )}
      </main>
    </>
  );
}

// /app/?invoice=<id>: that invoice's print view, after sign-in when opened signed out.
const print = printRequest();

render(
  <Session
    storageKey='heatpump.resident.token'
    signIn={{
      titleZh: '地源热泵用户账单',
      titleEn: 'Heat-pump billing for residents',
      hintZh: '请输入物业或供能公司发给您的住户令牌。',
      hintEn: 'Enter the resident token your provider gave you.',
    }}
    refuse={(me) => (me.role === 'resident' ? undefined : NOT_A_RESIDENT)}
  >
    {({ api, me, signOut }) => {
      if (me.role !== 'resident') return null;
      return print ? <PrintView api={api} request={print} /> : <Resident api={api} accountId={me.accountId} onSignOut={signOut} />;
    }}
  </Session>,
  document.getElementById('root')!,
);
