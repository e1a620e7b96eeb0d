/**
 * Dual control's second pair of eyes: the pending view requests in the administrator's security domains,
 * soonest deadline first, each with its reason and ticket, to approve or deny. One's own requests are
 * listed too, without those buttons (a second administrator decides), but with Cancel, to withdraw them.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError, type Api, type ViewRequest } from './api';
import { dateTime } from './format';

const DECISIONS = [
  ['approve', 'Approve'],
  ['deny', 'Deny'],
] as const;

interface Props {
  api: Api;
  onBack: () => void;
}

export function ApprovalsPage({ api, onBack }: Props) {
  const [requests, setRequests] = useState<ViewRequest[] | null>(null);
  const [message, setMessage] = useState<{ kind: 'saved' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = async () => {
    try {
      setRequests((await api.pendingViewRequests()).body.items);
    } catch (failure) {
      setMessage({ kind: 'error', text: describeError(failure) });
    }
  };

  useEffect(() => {
    heading.current?.focus();
    void load();
  }, []);

  const decide = async (request: ViewRequest, decision: 'approve' | 'deny' | 'cancel') => {
    setBusy(true);
    setMessage(null);
    try {
      const decided = (await api.decideViewRequest(request.serial, request.id, decision)).body;
      setMessage({
        kind: 'saved',
        text:
          decision === 'approve'
            ? `Approved: ${decided.requestedBy} may read the code of token ${decided.serial} once, before ${dateTime(decided.viewBy)}.`
            : decision === 'deny'
              ? `Denied: ${decided.requestedBy} may not read the code of token ${decided.serial}.`
              : `Cancelled: your request for the code of token ${decided.serial} is withdrawn.`,
      });
    } catch (failure) {
      setMessage({ kind: 'error', text: `Not done: ${describeError(failure)}` });
    } finally {
      setBusy(false);
      await load();
    }
  };

  return (
    <article aria-labelledby="approvals-heading">
      <p>
        <button type="button" class="link" onClick={onBack}>
          ← Back to the search
        </button>
      </p>
      <h1 id="approvals-heading" tabIndex={-1} ref={heading}>
        View requests waiting for approval
      </h1>
      {message && (
        <p role={message.kind === 'saved' ? 'status' : 'alert'} class={`message ${message.kind}`}>
          {message.text}
        </p>
      )}
      {requests === null ? (
        <p>Loading…</p>
      ) : requests.length === 0 ? (
        <p>No request is waiting.</p>
      ) : (
        <table class="approvals">
          <thead>
            <tr>
              <th scope="col">Token</th>
              <th scope="col">User</th>
              <th scope="col">Domain</th>
              <th scope="col">Asked by</th>
              <th scope="col">Reason</th>
              <th scope="col">Ticket</th>
              <th scope="col">Approve by</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {requests.map((request) => (
              <tr key={request.id}>
                <td>{request.serial}</td>
                <td>
                  {request.user
                    ? `${request.user.lastName}, ${request.user.firstName} (${request.user.userId})`
                    : '-'}
                </td>
                <td>{request.securityDomain}</td>
                <td>{request.requestedBy}</td>
                <td>{request.reason}</td>
                <td>{request.ticket ?? '-'}</td>
                <td>{dateTime(request.approveBy)}</td>
                <td>
                  {request.yours ? (
                    <>
                      Yours: another administrator decides{' '}
                      <button
                        type="button"
                        disabled={busy}
                        aria-label={`Cancel your request for token ${request.serial}`}
                        onClick={() => void decide(request, 'cancel')}
                      >
                        Cancel
                      </button>
                    </>
                  ) : (
                    DECISIONS.map(([decision, label]) => (
                      <button
                        key={decision}
                        type="button"
                        disabled={busy}
                        aria-label={`${label} ${request.requestedBy}'s request for token ${request.serial}`}
                        onClick={() => void decide(request, decision)}
                      >
                        {label}
                      </button>
                    ))
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" onClick={() => void load()}>
        Refresh
      </button>
    </article>
  );
}
