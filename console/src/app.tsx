/**
 * The console's frame: settings, sign-in and sign-out, the session's expiry, the region, and which page
 * is showing. Pages live in memory, never in the address: the address and the history only ever hold
 * the console's own URL.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Api } from './api';
import { beginSignIn, completeSignIn, providerLogoutUrl, type Session } from './auth';
import { parseConfig, type ConsoleConfig } from './config';
import { ApprovalsPage } from './approvals';
import { SearchPage, type SearchState } from './search';
import { TokenPage } from './token-page';

/** config.json, next to the page. */
async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(new URL('config.json', document.baseURI), { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return parseConfig(await response.json());
}

type View = { page: 'search' } | { page: 'approvals' } | { page: 'token'; serial: string };

export function App() {
  const [config, setConfig] = useState<ConsoleConfig | null>(null);
  const [session, setSession] = useState<Session | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(true);
  const [regionIndex, setRegionIndex] = useState(0);
  const [view, setView] = useState<View>({ page: 'search' });
  const [search, setSearch] = useState<SearchState | null>(null);

  useEffect(() => {
    (async () => {
      const loaded = await loadConfig();
      setConfig(loaded);
      setSession(await completeSignIn(loaded));
    })()
      .catch((error: unknown) => setNotice(error instanceof Error ? error.message : String(error)))
      .finally(() => setBusy(false));
  }, []);

  const endSession = (message: string | null) => {
    setSession(null);
    setView({ page: 'search' });
    setSearch(null);
    setNotice(message);
  };

  // The session ends when its access token does, whatever the page.
  useEffect(() => {
    if (session === null) return;
    const timer = setTimeout(
      () => endSession('Your session expired. Sign in again.'),
      Math.max(0, session.expiresAt - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [session]);

  const region = config?.regions[regionIndex];
  const api = useMemo(
    () =>
      session && region
        ? new Api(region.apiBase, session.accessToken, () =>
            endSession('Your session has ended. Sign in again.'),
          )
        : null,
    [session, region],
  );

  const main = useRef<HTMLElement>(null);

  if (busy) return <p class="loading">Loading…</p>;
  if (config === null || session === null || api === null) {
    return (
      <main class="sign-in" ref={main}>
        <h1>Emergency access: help-desk console</h1>
        {notice && (
          <p role="alert" class="message error">
            {notice}
          </p>
        )}
        {config && (
          <button type="button" class="primary" onClick={() => void beginSignIn(config)}>
            Sign in
          </button>
        )}
      </main>
    );
  }

  const signOut = () => {
    const logout = providerLogoutUrl(config);
    endSession('You are signed out.');
    if (logout) window.location.assign(logout);
  };

  return (
    <>
      <header class="bar">
        <p class="product">Emergency access tokencodes</p>
        <label class="region">
          Region{' '}
          <select
            value={String(regionIndex)}
            onChange={(event) => setRegionIndex(Number((event.target as HTMLSelectElement).value))}
          >
            {config.regions.map((r, i) => (
              <option value={String(i)} key={r.name}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <p class="who">
          Signed in as <strong>{session.username}</strong>
          {session.domains.length > 0 && (
            <> ({session.domains.includes('*') ? 'all domains' : session.domains.join(', ')})</>
          )}
        </p>
        <button type="button" onClick={() => setView({ page: 'approvals' })}>
          Approvals
        </button>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main ref={main}>
        {view.page === 'approvals' ? (
          <ApprovalsPage
            key={`approvals@${region?.name}`}
            api={api}
            onBack={() => setView({ page: 'search' })}
          />
        ) : view.page === 'search' ? (
          <SearchPage
            api={api}
            state={search}
            onState={setSearch}
            onOpen={(serial) => setView({ page: 'token', serial })}
          />
        ) : (
          <TokenPage
            key={`${view.serial}@${region?.name}`}
            api={api}
            serial={view.serial}
            onBack={() => setView({ page: 'search' })}
          />
        )}
      </main>
    </>
  );
}
