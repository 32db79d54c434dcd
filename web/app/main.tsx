import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import '../shared/styles.css';
import { ApiError, query, type Api } from '../shared/api';
import { Session } from '../shared/session';
import type { Statement } from '../shared/types';
import { Bi, ErrorNote, Loading, TopBar } from '../shared/ui';
import { StatementView } from './statement';

/** "2026-27" → "2025-26": the season year before (labels only; the API says whether it exists). */
function previousSeason(label: string): string {
  const start = Number(label.slice(0, 4)) - 1;
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
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
            <nav class='actions season-nav' aria-label='供暖季 Seasons'>
              <button type='button' onClick={() => setSeason(previousSeason(statement.season))}>
                <Bi zh={`上一季 ${previousSeason(statement.season)}`} en='Previous season' />
              </button>
              {currentSeason && statement.season !== currentSeason && (
                <button type='button' onClick={() => setSeason(undefined)}>
                  <Bi zh={`当前季 ${currentSeason}`} en='Current season' />
                </button>
              )}
            </nav>
            <StatementView api={api} statement={statement} />
          </>
        )}
      </main>
    </>
  );
}

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
    {({ api, me, signOut }) => me.role === 'resident' && <Resident api={api} accountId={me.accountId} onSignOut={signOut} />}
  </Session>,
  document.getElementById('root')!,
);
