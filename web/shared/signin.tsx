import { useState } from 'preact/hooks';
import { Bi } from './ui';

export interface SignInProps {
  titleZh: string;
  titleEn: string;
  hintZh: string;
  hintEn: string;
  /** Checks the token with the API; resolves to an error message, or undefined when signed in. */
  onSignIn: (token: string) => Promise<string | undefined>;
}

/** The token form. It never submits to a URL: the token goes to sessionStorage only. */
export function SignIn({ titleZh, titleEn, hintZh, hintEn, onSignIn }: SignInProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const value = token.trim();
    if (!value) {
      setError('请输入令牌 Please enter your token');
      return;
    }
    setBusy(true);
    setError(await onSignIn(value));
    setBusy(false);
  }

  return (
    <main class='signin' id='main'>
      <h1>
        <Bi zh={titleZh} en={titleEn} />
      </h1>
      <form method='post' onSubmit={submit} class='card' aria-describedby='signin-hint'>
        <p id='signin-hint' class='muted'>
          <Bi zh={hintZh} en={hintEn} />
        </p>
        <label for='token'>
          <Bi zh='访问令牌' en='Access token' />
        </label>
        <input
          id='token'
          name='token'
          type='password'
          autocomplete='off'
          spellcheck={false}
          required
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'signin-error' : undefined}
        />
        {error && (
          <p id='signin-error' class='error' role='alert'>
            {error}
          </p>
        )}
        <button type='submit' class='primary' disabled={busy}>
          <Bi zh='登录' en='Sign in' />
        </button>
      </form>
    </main>
  );
}
