/**
 * What stands before the code where the token's security domain asks for it (docs/api.md): a reason
 * (and a ticket reference), or, under dual control, a request that a second administrator approves, then
 * one view by the requester before the approval runs out. The reason is not a secret; the code never
 * passes through here.
 */
import { useState } from 'preact/hooks';
import { describeError, type Api, type ViewAccess, type ViewRequest } from './api';
import { dateTime } from './format';

export type Gate = { kind: 'reason' | 'approval'; message: string };

interface Props {
  api: Api;
  serial: string;
  gate: Gate;
  busy: boolean;
  /** Reads the page again with what the administrator gave; the page says if it was refused again. */
  onView: (access: ViewAccess) => void;
  /** A request was made or cancelled: the audit trail has a new event. */
  onRequested: () => void;
}

const STATUS_TEXT: Record<ViewRequest['status'], string> = {
  pending: 'Waiting for a second administrator',
  approved: 'Approved',
  denied: 'Denied',
  expired: 'Ran out of time',
  viewed: 'Used',
  cancelled: 'Cancelled',
};

export function ViewGate({ api, serial, gate, busy, onView, onRequested }: Props) {
  const [reason, setReason] = useState('');
  const [ticket, setTicket] = useState('');
  const [request, setRequest] = useState<ViewRequest | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const given = (): ViewAccess => ({
    reason: reason.trim(),
    ...(ticket.trim() ? { ticket: ticket.trim() } : {}),
  });

  const submit = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    if (gate.kind === 'reason') return onView(given());
    try {
      setRequest((await api.requestView(serial, reason.trim(), ticket.trim())).body);
      onRequested();
    } catch (failure) {
      setProblem(describeError(failure));
    }
  };

  const cancel = async () => {
    if (request === null) return;
    setProblem(null);
    try {
      setRequest((await api.decideViewRequest(serial, request.id, 'cancel')).body);
      onRequested();
    } catch (failure) {
      setProblem(describeError(failure));
    }
  };

  const refresh = async () => {
    if (request === null) return;
    setProblem(null);
    try {
      setRequest((await api.viewRequest(serial, request.id)).body);
    } catch (failure) {
      setProblem(describeError(failure));
    }
  };

  return (
    <section aria-labelledby="gate-heading" class="panel gate">
      <h2 id="gate-heading">{gate.kind === 'reason' ? 'A reason before the code' : 'Dual control'}</h2>
      <p role="alert" class="message error">
        {gate.message}
      </p>
      {request === null ? (
        <form onSubmit={submit}>
          <label>
            Reason (why you read this code)
            <textarea
              name="reason"
              required
              minLength={5}
              maxLength={500}
              value={reason}
              onInput={(event) => setReason((event.target as HTMLTextAreaElement).value)}
            />
          </label>
          <label>
            Ticket reference
            <input
              name="ticket"
              maxLength={64}
              value={ticket}
              onInput={(event) => setTicket((event.target as HTMLInputElement).value)}
            />
          </label>
          <button type="submit" class="primary" disabled={busy}>
            {gate.kind === 'reason' ? 'Show the code' : 'Request approval'}
          </button>
        </form>
      ) : (
        <div>
          <dl class="facts">
            <dt>Request</dt>
            <dd>{request.id}</dd>
            <dt>Status</dt>
            <dd>{STATUS_TEXT[request.status]}</dd>
            <dt>Approve by</dt>
            <dd>{dateTime(request.approveBy)}</dd>
            {request.decidedBy && (
              <>
                <dt>Decided by</dt>
                <dd>{request.decidedBy}</dd>
              </>
            )}
            {request.viewBy && (
              <>
                <dt>Read it once before</dt>
                <dd>{dateTime(request.viewBy)}</dd>
              </>
            )}
          </dl>
          {request.status === 'approved' ? (
            <>
              <button
                type="button"
                class="primary"
                disabled={busy}
                onClick={() => onView({ approval: request.id })}
              >
                Show the code (once)
              </button>
              <button type="button" disabled={busy} onClick={() => void cancel()}>
                Cancel the request
              </button>
            </>
          ) : request.status === 'pending' ? (
            <>
              <button type="button" onClick={() => void refresh()}>
                Check again
              </button>
              <button type="button" disabled={busy} onClick={() => void cancel()}>
                Cancel the request
              </button>
            </>
          ) : (
            <button type="button" onClick={() => setRequest(null)}>
              Ask again
            </button>
          )}
        </div>
      )}
      {problem && (
        <p role="alert" class="message error">
          {problem}
        </p>
      )}
    </section>
  );
}
