import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api, ApiError } from './api';
import { SignIn, type SignInProps } from './signin';
import type { Me } from './types';
import { describeError, Loading } from './ui';

/**
 * The signed-in token, kept in sessionStorage (this tab only, gone when it closes), never in the
 * URL. One key per page, so a resident and an operator can use one browser.
 */
class TokenStore {
  constructor(private readonly key: string) {}

  get(): string | null {
    try {
      return sessionStorage.getItem(this.key);
    } catch {
      return null;
    }
  }

  set(token: string): void {
    sessionStorage.setItem(this.key, token);
  }

  clear(): void {
    sessionStorage.removeItem(this.key);
  }
}

export interface SignedIn {
  api: Api;
  me: Me;
  signOut: () => void;
}

export interface SessionProps {
  storageKey: string;
  signIn: Omit<SignInProps, 'onSignIn'>;
  /** Why this page refuses a token of that role (in words), or undefined when it accepts it. */
  refuse: (me: Me) => string | undefined;
  children: (session: SignedIn) => ComponentChildren;
}

/**
 * Sign-in for a page: the token is checked with GET /v1/me (who it is), kept for the tab, and
 * forgotten on sign-out or when the API stops accepting it (401).
 */
export function Session({ storageKey, signIn, refuse, children }: SessionProps) {
  const store = useMemo(() => new TokenStore(storageKey), [storageKey]);
  const [token, setToken] = useState(store.get());
  const [me, setMe] = useState<Me>();

  function signOut() {
    store.clear();
    setToken(null);
    setMe(undefined);
  }
  const api = useMemo(() => (token ? new Api(token, signOut) : undefined), [token]);

  // A token kept from earlier in this tab (a reload): ask again who it is.
  useEffect(() => {
    if (!api || me) return;
    api
      .json<Me>('/v1/me')
      .then((found) => (refuse(found) ? signOut() : setMe(found)))
      .catch(signOut);
  }, [api]);

  async function check(candidate: string): Promise<string | undefined> {
    try {
      const found = await new Api(candidate, () => {}).json<Me>('/v1/me');
      const refused = refuse(found);
      if (refused) return refused;
      store.set(candidate);
      setMe(found);
      setToken(candidate);
      return undefined;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return '令牌无效或已撤销 The token is unknown or revoked';
      return describeError(error);
    }
  }

  if (!token || !api) return <SignIn {...signIn} onSignIn={check} />;
  if (!me) return <Loading />;
  return <>{children({ api, me, signOut })}</>;
}
