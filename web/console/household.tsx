import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../shared/api';

interface Home {
  building: string;
  unit: string;
  room: string;
  accounts: Array<{ id: string; holderName: string }>;
}

/** One lookup per household and session: a run and the month's exceptions often name the same homes. */
const homes = new WeakMap<Api, Map<string, Promise<Home>>>();

function homeOf(api: Api, householdId: string): Promise<Home> {
  let known = homes.get(api);
  if (!known) homes.set(api, (known = new Map()));
  let home = known.get(householdId);
  if (!home) {
    home = api.json<Home>(`/v1/households/${householdId}`);
    known.set(householdId, home);
  }
  return home;
}

/**
 * A household as building-unit-room, for lists that name households by id (a run's exceptions, the
 * month's data exceptions); the id while the lookup is pending or if it fails, since the reason beside
 * it still says what to fix.
 */
export function HouseholdLabel({ api, id }: { api: Api; id: string }) {
  const home = useHome(api, id);
  return home ? <>{home.building}-{home.unit}-{home.room}</> : <code>{id}</code>;
}

/** The holder of one of the household's accounts (empty while the lookup is pending). */
export function HolderName({ api, householdId, accountId }: { api: Api; householdId: string; accountId: string }) {
  const home = useHome(api, householdId);
  return <>{home?.accounts.find((account) => account.id === accountId)?.holderName ?? ''}</>;
}

function useHome(api: Api, id: string): Home | undefined {
  const [home, setHome] = useState<Home>();
  useEffect(() => {
    let live = true;
    homeOf(api, id).then((found) => live && setHome(found), () => undefined);
    return () => {
      live = false;
    };
  }, [api, id]);
  return home;
}
