/** Search by the seed's fields, and the result table, a page at a time with the API's cursors. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError, type Api, type Page, type SearchCriteria, type TokenSummary } from './api';
import { dateTime, STATE_TEXT } from './format';

export const PAGE_SIZE = 10;

export interface SearchState {
  criteria: SearchCriteria;
  /** The cursor of each page shown so far (null for the first): "Previous" goes back along it. */
  cursors: (string | null)[];
  page: Page<TokenSummary>;
}

const FIELDS: { name: keyof SearchCriteria; label: string; hint?: string }[] = [
  { name: 'userId', label: 'User id' },
  { name: 'lastName', label: 'Last name', hint: 'beginning of' },
  { name: 'firstName', label: 'First name', hint: 'beginning of' },
  { name: 'serial', label: 'Serial' },
  { name: 'domain', label: 'Security domain' },
];

interface Props {
  api: Api;
  state: SearchState | null;
  onState: (state: SearchState) => void;
  onOpen: (serial: string) => void;
}

export function SearchPage({ api, state, onState, onOpen }: Props) {
  const [criteria, setCriteria] = useState<SearchCriteria>(state?.criteria ?? {});
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const firstApi = useRef(api);

  const run = async (wanted: SearchCriteria, cursors: (string | null)[]) => {
    setLoading(true);
    setError(null);
    try {
      const { body } = await api.searchTokens(wanted, cursors[cursors.length - 1] ?? null, PAGE_SIZE);
      onState({ criteria: wanted, cursors, page: body });
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setLoading(false);
    }
  };

  // Another region: the same search again, from its first page.
  useEffect(() => {
    if (api !== firstApi.current && state) void run(state.criteria, [null]);
    firstApi.current = api;
  }, [api]);

  useEffect(() => heading.current?.focus(), []);

  const submit = (event: Event) => {
    event.preventDefault();
    const trimmed = Object.fromEntries(
      Object.entries(criteria)
        .map(([name, value]) => [name, (value ?? '').trim()])
        .filter(([, value]) => value !== ''),
    ) as SearchCriteria;
    void run(trimmed, [null]);
  };

  const rows = state?.page.items ?? [];
  const pageNumber = state ? state.cursors.length : 0;
  return (
    <section aria-labelledby="search-heading">
      <h1 id="search-heading" tabIndex={-1} ref={heading}>
        Manage existing tokens
      </h1>
      <form class="search" onSubmit={submit} role="search" aria-label="Tokens">
        {FIELDS.map((field) => (
          <label key={field.name}>
            {field.label}
            {field.hint && <span class="hint"> ({field.hint})</span>}
            <input
              name={field.name}
              type="text"
              autoComplete="off"
              spellcheck={false}
              value={criteria[field.name] ?? ''}
              onInput={(event) =>
                setCriteria({ ...criteria, [field.name]: (event.target as HTMLInputElement).value })
              }
            />
          </label>
        ))}
        <button type="submit" class="primary" disabled={loading}>
          Search
        </button>
      </form>
      {error && (
        <p role="alert" class="message error">
          {error}
        </p>
      )}
      <p role="status" class="status">
        {loading
          ? 'Searching…'
          : state
            ? `Page ${pageNumber}: ${rows.length} token${rows.length === 1 ? '' : 's'}${state.page.nextCursor ? ', more on the next page' : ''}.`
            : ''}
      </p>
      {rows.length > 0 && (
        <table class="results">
          <caption class="visually-hidden">Tokens found</caption>
          <thead>
            <tr>
              <th scope="col">Serial</th>
              <th scope="col">User id</th>
              <th scope="col">Name</th>
              <th scope="col">Security domain</th>
              <th scope="col">Kind</th>
              <th scope="col">Enabled</th>
              <th scope="col">Offline code</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((token) => (
              <tr key={token.serial}>
                <td>
                  <button type="button" class="link" onClick={() => onOpen(token.serial)}>
                    {token.serial}
                  </button>
                </td>
                <td>{token.user?.userId ?? 'unassigned'}</td>
                <td>{token.user ? `${token.user.lastName}, ${token.user.firstName}` : '—'}</td>
                <td>{token.securityDomain}</td>
                <td>{token.kind === 'securid' ? 'SecurID' : 'Authenticate'}</td>
                <td>{token.enabled ? 'yes' : 'no'}</td>
                <td>
                  {STATE_TEXT[token.offlineEmergencyAccess.state]}
                  {token.offlineEmergencyAccess.expiresAt &&
                    `, until ${dateTime(token.offlineEmergencyAccess.expiresAt)}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {state && (state.cursors.length > 1 || state.page.nextCursor) && (
        <nav class="pager" aria-label="Result pages">
          <button
            type="button"
            disabled={loading || state.cursors.length <= 1}
            onClick={() => void run(state.criteria, state.cursors.slice(0, -1))}
          >
            Previous page
          </button>
          <button
            type="button"
            disabled={loading || !state.page.nextCursor}
            onClick={() => void run(state.criteria, [...state.cursors, state.page.nextCursor])}
          >
            Next page
          </button>
        </nav>
      )}
    </section>
  );
}
