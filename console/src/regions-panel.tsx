/**
 * The regions' view of a change (issue 17), shown on the token page after a save: for each region, whether
 * it already has what was saved in the region the console talks to, asked again every second until every
 * region has it (or a minute has passed, then on demand).
 */
import { useEffect, useState } from 'preact/hooks';
import { describeError, type Api, type ReplicationStatus } from './api';

const POLL_MS = 1_000;
const POLL_FOR_MS = 60_000;

const STATE_TEXT: Record<ReplicationStatus['regions'][number]['state'], string> = {
  origin: 'Saved here',
  replicated: 'Has the change',
  pending: 'Not yet',
  unreachable: 'Did not answer',
};

/** Seconds between two of the service's times (its clock, not this browser's). */
function secondsBetween(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
}

interface Props {
  api: Api;
  serial: string;
}

export function RegionsPanel({ api, serial }: Props) {
  const [status, setStatus] = useState<ReplicationStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [polling, setPolling] = useState(true);

  useEffect(() => {
    if (!polling) return;
    let stopped = false;
    const started = Date.now();
    const check = async () => {
      try {
        const reply = (await api.replication(serial)).body;
        if (stopped) return;
        setStatus(reply);
        setError(null);
        if (reply.replicatedEverywhere) return setPolling(false);
      } catch (failure) {
        if (stopped) return;
        setError(describeError(failure));
      }
      if (Date.now() - started >= POLL_FOR_MS) return setPolling(false);
      timer = setTimeout(() => void check(), POLL_MS);
    };
    let timer = setTimeout(() => void check(), 0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, serial, polling]);

  const age = status?.changedAt ? secondsBetween(status.changedAt, status.checkedAt) : null;
  return (
    <section aria-labelledby="regions-heading" class="panel regions">
      <h2 id="regions-heading">Regions</h2>
      {status === null && error === null && <p>Asking each region…</p>}
      {status && (
        <>
          <p role="status" data-everywhere={String(status.replicatedEverywhere)}>
            {status.replicatedEverywhere
              ? 'Every region has the change.'
              : `Saved in ${status.writtenIn}; not every region has it yet.`}
            {age !== null && ` Saved ${age} s ago.`}
          </p>
          <table class="regions">
            <thead>
              <tr>
                <th scope="col">Region</th>
                <th scope="col">Has the change</th>
              </tr>
            </thead>
            <tbody>
              {status.regions.map((region) => (
                <tr key={region.region} data-region={region.region} data-state={region.state}>
                  <td>{region.region}</td>
                  <td>
                    {STATE_TEXT[region.state]}
                    {region.state === 'pending' && age !== null && ` (waiting ${age} s)`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {error && (
        <p role="alert" class="message error">
          The regions could not be asked: {error}
        </p>
      )}
      {!polling && status && !status.replicatedEverywhere && (
        <button type="button" onClick={() => setPolling(true)}>
          Check again
        </button>
      )}
    </section>
  );
}
