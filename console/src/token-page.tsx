/**
 * One token: who and where, its lockout, the emergency access panel (the vendor's "Manage Emergency
 * Access Tokencodes" page) and its audit trail. The offline code lives only in this component's state: it
 * is gone from the page, and from memory the page holds, as soon as the administrator leaves.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  ApiError,
  describeError,
  REASON_TEXT,
  type Api,
  type AuditEvent,
  type EmergencyAccessPage,
  type IneligibilityReason,
  type TokenDetails,
  type ViewAccess,
} from './api';
import { dateTime, STATE_TEXT, timeLeft } from './format';
import { RegionsPanel } from './regions-panel';
import { ViewGate, type Gate } from './view-gate';

/** The refusals that a reason, a ticket or an approval lift: the page shows the gate instead. */
const GATE_CODES = new Set(['REASON_REQUIRED', 'TICKET_INVALID', 'APPROVAL_REQUIRED']);

type Message =
  { kind: 'saved' | 'error'; text: string; reasons?: string[] } | { kind: 'stale'; text: string };

interface Props {
  api: Api;
  serial: string;
  onBack: () => void;
}

function reasonText(reason: string): string {
  return REASON_TEXT[reason as IneligibilityReason] ?? reason;
}

export function TokenPage({ api, serial, onBack }: Props) {
  const [details, setDetails] = useState<TokenDetails | null>(null);
  const [page, setPage] = useState<EmergencyAccessPage | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [code, setCode] = useState<string | null>(null);
  const [reset, setReset] = useState(false);
  const [onlineUse, setOnlineUse] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const [trail, setTrail] = useState<{ items: AuditEvent[]; nextCursor: string | null }>({
    items: [],
    nextCursor: null,
  });
  const [now, setNow] = useState(Date.now());
  const [gate, setGate] = useState<Gate | null>(null);
  const [access, setAccess] = useState<ViewAccess>({});
  /** Which save the regions' view follows (RegionsPanel), or null before the first save. */
  const [lastSave, setLastSave] = useState<number | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const loadTrail = async () => {
    try {
      const { body } = await api.audit(serial, null);
      setTrail(body);
    } catch (failure) {
      setLoadError(describeError(failure));
    }
  };

  /**
   * Reads the token and its emergency access page; the ticked choices are kept unless `fresh`. Where the
   * domain asks for a reason or an approval, the page waits behind the gate until it is given.
   */
  const load = async (fresh: boolean, given: ViewAccess = access) => {
    setBusy(true);
    try {
      const [token, view] = await Promise.all([
        api.token(serial),
        api.emergencyAccess(serial, given).then(
          (reply) => reply,
          (failure: unknown) => (failure instanceof Error ? failure : new Error(String(failure))),
        ),
      ]);
      setDetails(token.body);
      if (view instanceof ApiError && GATE_CODES.has(view.code)) {
        setGate({ kind: view.code === 'APPROVAL_REQUIRED' ? 'approval' : 'reason', message: view.message });
        setPage(null);
        setCode(null);
        await loadTrail();
        return;
      }
      if (view instanceof Error) throw view;
      setGate(null);
      // A reason is given again on a reload; an approval opens one view only.
      setAccess(given.approval === undefined ? given : {});
      setPage(view.body);
      setEtag(view.etag);
      setCode(view.body.offline.tokencode);
      if (fresh) {
        setReset(false);
        setOnlineUse(view.body.offline.onlineUseAllowed);
      }
      setLoadError(null);
      await loadTrail();
    } catch (failure) {
      setLoadError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    heading.current?.focus();
    void load(true);
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => {
      clearInterval(timer);
      setCode(null);
    };
  }, []);

  const change: { resetOffline?: true; onlineUseAllowed?: boolean } = {};
  if (reset) change.resetOffline = true;
  if (page && onlineUse !== page.offline.onlineUseAllowed) change.onlineUseAllowed = onlineUse;
  const changed = Object.keys(change).length > 0;

  const save = async (event: Event) => {
    event.preventDefault();
    if (!page || !etag || !changed) return;
    setBusy(true);
    setMessage(null);
    try {
      const saved = await api.saveEmergencyAccess(serial, change, etag);
      setPage(saved.body);
      setEtag(saved.etag);
      // The answer never carries the code; the one read stays good while it is active.
      if (saved.body.offline.state !== 'active' || !saved.body.eligibility.eligible) setCode(null);
      setReset(false);
      setOnlineUse(saved.body.offline.onlineUseAllowed);
      const parts = [];
      if (change.resetOffline) parts.push("a new code will be issued at the user's next online login");
      if (change.onlineUseAllowed !== undefined)
        parts.push(
          `the offline code ${change.onlineUseAllowed ? 'may now' : 'may no longer'} be used online`,
        );
      setMessage({ kind: 'saved', text: `Saved: ${parts.join('; ')}.` });
      setLastSave(Date.now());
      await loadTrail();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 412) {
        setMessage({
          kind: 'stale',
          text: 'Someone changed this token since you opened it, so nothing was saved. Reload to see the current state: your ticks are kept, then save again.',
        });
      } else if (failure instanceof ApiError && failure.status === 409) {
        setMessage({
          kind: 'error',
          text: 'Not saved: this token cannot have an offline emergency code now.',
          reasons: failure.reasons.map(reasonText),
        });
      } else {
        setMessage({ kind: 'error', text: `Not saved: ${describeError(failure)}` });
      }
    } finally {
      setBusy(false);
    }
  };

  const unlock = async () => {
    setBusy(true);
    setMessage(null);
    try {
      setDetails((await api.unlock(serial)).body);
      setMessage({ kind: 'saved', text: 'Unlocked: both failure counters are back to zero.' });
      setLastSave(Date.now());
      await loadTrail();
    } catch (failure) {
      setMessage({ kind: 'error', text: `Not unlocked: ${describeError(failure)}` });
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    if (code === null) return;
    try {
      await navigator.clipboard.writeText(code);
      setCopied(true);
      setTimeout(() => setCopied(false), 3000);
    } catch {
      setCopied(false);
    }
  };

  const moreTrail = async () => {
    if (!trail.nextCursor) return;
    try {
      const { body } = await api.audit(serial, trail.nextCursor);
      setTrail({ items: [...trail.items, ...body.items], nextCursor: body.nextCursor });
    } catch (failure) {
      setLoadError(describeError(failure));
    }
  };

  const offline = page?.offline;
  const lockout = details?.lockout;
  const hasFailures =
    lockout && (lockout.locked || lockout.emergencyAccessFailures > 0 || lockout.tokencodeFailures > 0);

  return (
    <article aria-labelledby="token-heading">
      <p>
        <button type="button" class="link" onClick={onBack}>
          ← Back to the search
        </button>
      </p>
      <h1 id="token-heading" tabIndex={-1} ref={heading}>
        Token {serial}
      </h1>
      {loadError && (
        <p role="alert" class="message error">
          {loadError}
        </p>
      )}
      {details && (
        <section aria-labelledby="token-facts" class="panel">
          <h2 id="token-facts">Token</h2>
          <dl class="facts">
            <dt>User</dt>
            <dd>
              {details.user
                ? `${details.user.firstName} ${details.user.lastName} (${details.user.userId})`
                : 'not assigned'}
            </dd>
            <dt>Security domain</dt>
            <dd>{details.securityDomain}</dd>
            <dt>Kind</dt>
            <dd>{details.kind === 'securid' ? 'SecurID (PIN + tokencode)' : 'Authenticate (no PIN)'}</dd>
            <dt>Token state</dt>
            <dd>{details.enabled ? 'Enabled' : 'Disabled'}</dd>
            <dt>Last online login</dt>
            <dd>{dateTime(details.lastOnlineAuthenticationAt)}</dd>
          </dl>
          <h3>Lockout</h3>
          {lockout && (
            <dl class="facts">
              <dt>Locked</dt>
              <dd>{lockout.locked ? 'Yes' : 'No'}</dd>
              <dt>Failed emergency codes</dt>
              <dd>{lockout.emergencyAccessFailures}</dd>
              <dt>Failed tokencodes</dt>
              <dd>{lockout.tokencodeFailures}</dd>
            </dl>
          )}
          {hasFailures && (
            <button type="button" onClick={() => void unlock()} disabled={busy}>
              Unlock (reset the failure counters)
            </button>
          )}
        </section>
      )}
      {gate && (
        <ViewGate
          key={gate.kind}
          api={api}
          serial={serial}
          gate={gate}
          busy={busy}
          onView={(given) => void load(true, given)}
          onRequested={() => void loadTrail()}
        />
      )}
      {page && offline && (
        <section aria-labelledby="emergency-heading" class="panel">
          <h2 id="emergency-heading">Emergency access tokencodes</h2>
          <form onSubmit={save}>
            <h3>Offline emergency code</h3>
            {code !== null ? (
              <div class="code-row">
                <output class="code" aria-label="Offline emergency code">
                  {code}
                </output>
                <button type="button" onClick={() => void copy()}>
                  Copy the code
                </button>
                <span role="status" class="status">
                  {copied ? 'Copied.' : ''}
                </span>
              </div>
            ) : offline.usedAt !== null ? (
              <p class="no-code">
                Spent at {dateTime(offline.usedAt)}: the next code comes at the user's next online login.
              </p>
            ) : (
              <p class="no-code">No code to read out.</p>
            )}
            <dl class="facts">
              <dt>State</dt>
              <dd>{STATE_TEXT[offline.state]}</dd>
              <dt>Expires</dt>
              <dd>
                {dateTime(offline.expiresAt)}
                {offline.expiresAt && offline.state === 'active' && ` (${timeLeft(offline.expiresAt, now)})`}
              </dd>
              <dt>Generation</dt>
              <dd>{offline.generation}</dd>
              <dt>Reset pending</dt>
              <dd>{offline.resetPending ? "Yes: a new code at the user's next online login" : 'No'}</dd>
              <dt>Online use</dt>
              <dd>{offline.onlineUseAllowed ? 'Allowed' : 'Not allowed'}</dd>
            </dl>
            <h3>Eligibility</h3>
            {page.eligibility.eligible ? (
              <p>This token may have an offline emergency code.</p>
            ) : (
              <>
                <p>This token may not have an offline emergency code:</p>
                <ul class="reasons">
                  {page.eligibility.reasons.map((reason) => (
                    <li key={reason}>{reasonText(reason)}</li>
                  ))}
                </ul>
              </>
            )}
            <fieldset>
              <legend>Change</legend>
              <label class="check">
                <input
                  type="checkbox"
                  name="reset"
                  checked={reset}
                  onChange={(event) => setReset((event.target as HTMLInputElement).checked)}
                />
                Reset (issue a new code at the user's next online login)
              </label>
              <label class="check">
                <input
                  type="checkbox"
                  name="onlineUse"
                  checked={onlineUse}
                  onChange={(event) => setOnlineUse((event.target as HTMLInputElement).checked)}
                />
                Use offline code for online access
              </label>
            </fieldset>
            <button type="submit" class="primary" disabled={busy || !changed || !etag}>
              Save
            </button>
            {message && (
              <div role={message.kind === 'saved' ? 'status' : 'alert'} class={`message ${message.kind}`}>
                <p>{message.text}</p>
                {'reasons' in message && message.reasons && message.reasons.length > 0 && (
                  <ul>
                    {message.reasons.map((reason) => (
                      <li key={reason}>{reason}</li>
                    ))}
                  </ul>
                )}
                {message.kind === 'stale' && (
                  <button type="button" onClick={() => void load(false).then(() => setMessage(null))}>
                    Reload
                  </button>
                )}
              </div>
            )}
          </form>
        </section>
      )}
      {lastSave !== null && <RegionsPanel key={lastSave} api={api} serial={serial} />}
      {details && (
        <section aria-labelledby="audit-heading" class="panel">
          <h2 id="audit-heading">Audit trail (newest first)</h2>
          {trail.items.length === 0 ? (
            <p>No events.</p>
          ) : (
            <table class="audit">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">By</th>
                  <th scope="col">Region</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {trail.items.map((event) => (
                  <tr key={`${event.at}-${event.requestId}-${event.action}`}>
                    <td>{dateTime(event.at)}</td>
                    <td>{event.action}</td>
                    <td>{event.actor}</td>
                    <td>{event.region}</td>
                    <td>{event.outcome}</td>
                    <td>
                      {Object.entries(event.details)
                        .map(([name, value]) => `${name}: ${String(value)}`)
                        .join(', ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {trail.nextCursor && (
            <button type="button" onClick={() => void moreTrail()}>
              Older events
            </button>
          )}
        </section>
      )}
    </article>
  );
}
