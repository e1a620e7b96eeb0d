import { setTimeout as sleep } from 'node:timers/promises';
import type { ReplyOf } from '../../functions/api/contract/route';
import { replicationStatusRoute } from '../../functions/api/contract/replication-routes';
import { callRoute, type Connection } from '../api-client';
import { keyValues, table } from '../render';
import { EXIT, UsageError } from '../verb';
import { toVerb } from './api-verbs';

type RegionsView = ReplyOf<typeof replicationStatusRoute>;

const POLL_MS = 500;

/** "3 s ago", from the two times the reply carries (the service's clock, not this machine's). */
export function ageOf(view: Pick<RegionsView, 'changedAt' | 'checkedAt'>): string {
  if (view.changedAt === null) return 'no change recorded';
  const seconds = Math.max(0, Math.round((Date.parse(view.checkedAt) - Date.parse(view.changedAt)) / 1000));
  return `${view.changedAt} (${seconds} s before the check)`;
}

function render(view: RegionsView): string {
  const versionOf = (items: RegionsView['regions'][number]['items'], item: string) =>
    items === null ? '-' : `v${items.find((i) => i.item === item)?.version ?? 0}`;
  return (
    keyValues([
      ['serial', view.serial],
      ['saved in', view.writtenIn],
      ['last change', ageOf(view)],
      ['checked at', view.checkedAt],
      ['everywhere', view.replicatedEverywhere ? 'yes' : 'not yet'],
    ]) +
    '\n' +
    table(
      ['region', 'state', 'settings', 'lockout'],
      view.regions.map((r) => [
        r.region,
        r.state === 'origin' ? 'saved here' : r.state,
        versionOf(r.items, 'administrators-settings'),
        versionOf(r.items, 'lockout'),
      ]),
    )
  );
}

async function read(c: Connection, serial: string): Promise<RegionsView> {
  return (await callRoute(c, replicationStatusRoute, { params: { serial } })).body;
}

/**
 * `eatctl regions SERIAL`: whether each region already has what was saved on the token in the region
 * asked (`--endpoint`); `--wait SECONDS` asks again until every region has it (exit 1 if not in time).
 */
export const regionsVerb = toVerb({
  name: 'regions',
  summary: "the regions' view of a change: whether each region already has what was saved on a token",
  args: ['SERIAL'],
  options: { wait: { type: 'string' } },
  usage:
    'SERIAL [--wait SECONDS]\n' +
    '  the saves of the region asked (--endpoint); --wait asks again until every region has them (exit 1 if not)',
  run: async (c, v, [serial]) => {
    const wait = v.wait as string | undefined;
    if (wait !== undefined && !/^\d{1,4}$/.test(wait)) throw new UsageError('--wait takes whole seconds');
    const deadline = Date.now() + Number(wait ?? 0) * 1000;
    let view = await read(c, serial!);
    while (wait !== undefined && !view.replicatedEverywhere && Date.now() < deadline) {
      await sleep(POLL_MS);
      view = await read(c, serial!);
    }
    const late = wait !== undefined && !view.replicatedEverywhere;
    return { body: view, text: render(view), ...(late ? { exit: EXIT.rejected } : {}) };
  },
});
