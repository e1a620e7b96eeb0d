/**
 * The `eatctl` verbs that call the API: administrators' (search, show, view, reset, online use, save,
 * audit, dual control's request-view, approvals, approve, deny, cancel-view, the signed audit export),
 * management, the local sweep and an agent's online authentication. Human-readable output by
 * default, `--json` for scripts. Exit codes: 0 done (an agent accept), 1 an agent reject or lockout,
 * 2 usage, 3 unreachable or a server fault, 4 the API refused the request (4xx).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import {
  auditTrailRoute,
  getTokenRoute,
  resetEmergencyAccessRoute,
  saveEmergencyAccessRoute,
  searchTokensRoute,
  setOnlineUseRoute,
  viewEmergencyAccessRoute,
} from '../../functions/api/contract/admin-routes';
import { agentAuthenticateRoute } from '../../functions/api/contract/agent-routes';
import { exportAuditChainRoute } from '../../functions/api/contract/audit-export-routes';
import {
  assignTokenRoute,
  clearPinRoute,
  importTokenRoute,
  listAgentsRoute,
  listSecurityDomainsRoute,
  putAgentRoute,
  putSecurityDomainRoute,
  putUserRoute,
  setPinRoute,
  setTokenEnabledRoute,
  unassignTokenRoute,
  unlockTokenRoute,
  type agentView,
  type securityDomainView,
} from '../../functions/api/contract/management-routes';
import type { BodyInputOf, ReplyOf } from '../../functions/api/contract/route';
import {
  approveViewRequestRoute,
  cancelViewRequestRoute,
  denyViewRequestRoute,
  listViewRequestsRoute,
  requestViewRoute,
  type viewRequestView,
} from '../../functions/api/contract/view-approval-routes';
import type { tokenSummary, userRef } from '../../functions/api/contract/schemas';
import {
  ApiError,
  callApi,
  callRoute,
  connectionFrom,
  CONNECTION_OPTIONS,
  CONNECTION_USAGE,
  type Connection,
} from '../api-client';
import { heldOfflineOf, OfflineDataError, parseOfflineData } from '../../shared/agent';
import { EXIT, UsageError, type Io, type Verb } from '../verb';
import { offlineDataPath, shownPath, writeSecretFile } from '../offline-file';
import { keyValues, table } from '../render';
import { readLedger } from './agent-verify';

type Values = Record<string, string | boolean | undefined>;

export interface ApiVerb {
  name: string;
  summary: string;
  /** Positional arguments, in order. */
  args?: string[];
  options?: ParseArgsConfig['options'];
  usage?: string;
  run(
    connection: Connection,
    values: Values,
    args: string[],
    io: Io,
  ): Promise<{ body: unknown; text: string; exit?: number }>;
}

type TokenSummary = z.output<typeof tokenSummary>;
type EmergencyAccessPage = ReplyOf<typeof viewEmergencyAccessRoute>;

/** A body as eatctl sends it: a flag not given is left out, and the API says what is missing. */
type Given<T> = { [K in keyof T]?: T[K] | undefined };

const str = (values: Values, name: string) => values[name] as string | undefined;

async function secretArg(value: string | undefined, io: Io, what: string): Promise<string> {
  if (value === undefined)
    throw new UsageError(`--${what} is required (use - to read it from standard input)`);
  return value === '-' ? ((await io.readStdin()).split(/\r?\n/)[0] ?? '') : value;
}

/** What `agent authenticate` says the agent holds: `--held-generation`, or the data and ledger it keeps. */
async function heldOfflineArg(v: Values): Promise<ReturnType<typeof heldOfflineOf>> {
  const generation = str(v, 'held-generation');
  const dataPath = str(v, 'held-data');
  const ledgerPath = str(v, 'ledger');
  if (generation !== undefined && dataPath !== undefined)
    throw new UsageError('give --held-generation or --held-data, not both');
  if (ledgerPath !== undefined && dataPath === undefined)
    throw new UsageError('--ledger goes with --held-data (the offline data it is the ledger of)');
  if (generation !== undefined) {
    if (!/^\d+$/.test(generation)) throw new UsageError('--held-generation must be a generation number');
    return { generation: Number(generation) };
  }
  if (dataPath === undefined) return null;
  let data;
  try {
    data = parseOfflineData(JSON.parse(await readFile(dataPath, 'utf8')));
  } catch (error) {
    const why = error instanceof OfflineDataError ? error.message : 'it is not readable offline data';
    throw new UsageError(`--held-data ${dataPath}: ${why}`);
  }
  return heldOfflineOf(data, ledgerPath === undefined ? {} : await readLedger(ledgerPath));
}

function summaryRows(items: readonly TokenSummary[]): string {
  return table(
    ['serial', 'kind', 'enabled', 'user', 'name', 'domain', 'offline code', 'expires'],
    items.map((t) => {
      const { user, offlineEmergencyAccess: offline } = t;
      return [
        t.serial,
        t.kind,
        t.enabled ? 'yes' : 'no',
        user?.userId ?? '-',
        user ? `${user.firstName} ${user.lastName}` : '-',
        t.securityDomain,
        offline.state,
        offline.expiresAt ?? '-',
      ].map(String);
    }),
  );
}

function domainRows(items: readonly z.output<typeof securityDomainView>[]): string {
  return table(
    ['id', 'name', 'offline', 'code download', 'days', 'code lifetime'],
    items.map((d) => {
      const p = d.offlinePolicy;
      return [
        d.id,
        d.name,
        p.offlineAuthenticationEnabled,
        p.emergencyCodeDownloadPermitted,
        p.offlineDays,
        p.emergencyCodeLifetimeDays,
      ].map(String);
    }),
  );
}

const agentRows = (items: readonly z.output<typeof agentView>[]) =>
  table(
    ['agent', 'name', 'offline authentication'],
    items.map((a) => [a.agentId, a.name, a.supportsOfflineAuthentication].map(String)),
  );

function pageText(body: { nextCursor: string | null }, rows: string): string {
  return `${rows}${body.nextCursor ? `\nmore: --cursor ${body.nextCursor}\n` : ''}`;
}

/** The code cell: the code when the reply holds it, else why not, so that an active code never reads as none. */
function codeCell(
  serial: string,
  offline: EmergencyAccessPage['offline'],
  eligible: boolean,
  viewed: boolean,
): string {
  if (typeof offline.tokencode === 'string') return offline.tokencode;
  if (offline.state !== 'active') return '-';
  if (typeof offline.usedAt === 'string') {
    return `spent at ${offline.usedAt}: the next comes at the user's next online login`;
  }
  if (!eligible) return 'active, not shown: the token is not eligible';
  return viewed
    ? 'active, not shown'
    : `active, not shown here (\`eatctl view ${String(serial)}\` shows it, audited)`;
}

function emergencyAccessRows(body: EmergencyAccessPage, etag: string | null, viewed: boolean) {
  const { offline, eligibility } = body;
  return [
    ['offline emergency code', codeCell(body.serial, offline, eligibility.eligible, viewed)],
    ['state', offline.state],
    ['expires', offline.expiresAt ?? '-'],
    ['generation', offline.generation],
    ['reset pending', offline.resetPending ? 'yes' : 'no'],
    ['online use allowed', offline.onlineUseAllowed ? 'yes' : 'no'],
    ['eligible', eligibility.eligible ? 'yes' : `no: ${eligibility.reasons.join(', ')}`],
    ['etag', etag ?? '-'],
  ] as [string, unknown][];
}

const changeReply = async (reply: { body: EmergencyAccessPage; headers: Headers }) => {
  const page = reply.body;
  const etag = reply.headers.get('etag');
  return {
    body: { ...page, etag },
    text: keyValues([['serial', page.serial], ...emergencyAccessRows(page, etag, false)]),
  };
};

type TokenSummaryDetails = ReplyOf<typeof getTokenRoute>;
type UserRef = z.output<typeof userRef> | null;
const userCell = (user: UserRef) => (user ? `${user.userId} (${user.firstName} ${user.lastName})` : '-');

function viewRequestText(r: z.output<typeof viewRequestView>): string {
  return keyValues([
    ['request', r.id],
    ['serial', r.serial],
    ['user', userCell(r.user)],
    ['security domain', r.securityDomain],
    ['asked by', `${r.requestedBy} at ${r.requestedAt}`],
    ['reason', r.reason],
    ['ticket', r.ticket ?? '-'],
    ['status', r.status],
    ['approve by', r.approveBy],
    ['decided by', r.decidedBy === null ? '-' : `${r.decidedBy} at ${String(r.decidedAt)}`],
    ['view by', r.viewBy ?? '-'],
    ['cancelled by', r.cancelledBy ? `${String(r.cancelledBy)} at ${String(r.cancelledAt)}` : '-'],
    ['region', r.region],
  ]);
}

function lockoutCell(lockout: TokenSummaryDetails['lockout']): string {
  const counts = `${String(lockout.tokencodeFailures)} tokencode, ${String(lockout.emergencyAccessFailures)} emergency code failures`;
  return lockout.locked ? `LOCKED (${counts}; eatctl token unlock)` : `no (${counts})`;
}

/** What an agent's reject or lockout means, from the reason the API gave (none for a wrong passcode). */
function rejectHint(outcome: string, reason: string | undefined): string {
  if (outcome === 'locked')
    return 'the token is locked out: an administrator unlocks it (eatctl token unlock)';
  if (reason === 'ONLINE_USE_NOT_ALLOWED')
    return 'the code is right, but its online use is off: an administrator allows it (eatctl online-use SERIAL on)';
  return 'the passcode is not accepted (a wrong PIN or code, an unknown user, or a code replaced or used up)';
}

/** `--etag` as the If-Match header of a replacing PUT. */
const ifMatchOf = (v: Values): Record<string, string> =>
  str(v, 'etag') ? { 'if-match': str(v, 'etag')! } : {};

/** A token management verb: one call, and the token as it now is. */
function tokenVerb(
  name: string,
  summary: string,
  args: string[],
  call: (c: Connection, args: string[]) => Promise<{ body: TokenSummary }>,
): ApiVerb {
  return {
    name,
    summary,
    args,
    run: async (c, _v, a) => {
      const { body } = await call(c, a);
      return { body, text: summaryRows([body]) };
    },
  };
}

/** A sweep as of a time this far ahead of the clock expires codes that are still valid: asked first. */
const SWEEP_FUTURE_TOLERANCE_MS = 60_000;

async function confirmFutureSweep(now: string | undefined, yes: boolean, io: Io): Promise<boolean> {
  if (now === undefined) return true;
  const at = Date.parse(now);
  if (Number.isNaN(at)) throw new UsageError('--now must be an ISO 8601 time');
  const ahead = at - Date.now();
  if (ahead <= SWEEP_FUTURE_TOLERANCE_MS || yes) return true;
  const howFar =
    ahead >= 86_400_000
      ? `${(ahead / 86_400_000).toFixed(1)} days`
      : ahead >= 7_200_000
        ? `${Math.round(ahead / 3_600_000)} hours`
        : `${Math.round(ahead / 60_000)} minutes`;
  const warning =
    `--now ${now} is ${howFar} in the future: every offline emergency code that expires before then ` +
    'is expired now, for good (the users need new codes at their next online login).';
  if (io.ask === undefined) throw new UsageError(`${warning} Add --yes to do it anyway`);
  const answer = await io.ask(`${warning}\nExpire them? [y/N] `);
  return /^y(es)?$/i.test(answer.trim());
}

const VERBS: ApiVerb[] = [
  {
    name: 'search',
    summary: 'search tokens by user id, last or first name prefix, serial, security domain',
    options: {
      'user-id': { type: 'string' },
      'last-name': { type: 'string' },
      'first-name': { type: 'string' },
      serial: { type: 'string' },
      domain: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
    },
    usage:
      '[--user-id U] [--last-name L] [--first-name F] [--serial S] [--domain D] [--limit N] [--cursor C]',
    run: async (c, v) => {
      const names: [string, string][] = [
        ['user-id', 'userId'],
        ['last-name', 'lastName'],
        ['first-name', 'firstName'],
        ['serial', 'serial'],
        ['domain', 'domain'],
        ['limit', 'limit'],
        ['cursor', 'cursor'],
      ];
      const query = Object.fromEntries(
        names.flatMap(([flag, name]) => (v[flag] ? [[name, String(v[flag])]] : [])),
      );
      const { body } = await callRoute(c, searchTokensRoute, { query });
      return { body, text: pageText(body, summaryRows(body.items)) };
    },
  },
  {
    name: 'show',
    summary: 'a token without secrets, with its lockout counters',
    args: ['SERIAL'],
    run: async (c, _v, [serial]) => {
      const { body: t } = await callRoute(c, getTokenRoute, { params: { serial: serial! } });
      const { lockout } = t;
      return {
        body: t,
        text: `${summaryRows([t])}\n${keyValues([
          ['tokencode failures', lockout.tokencodeFailures],
          ['emergency code failures', lockout.emergencyAccessFailures],
          ['locked', lockout.locked],
          ['last online authentication', t.lastOnlineAuthenticationAt ?? '-'],
        ])}`,
      };
    },
  },
  {
    name: 'view',
    summary: 'the emergency access page, with the offline code in clear (audited)',
    args: ['SERIAL'],
    options: { reason: { type: 'string' }, ticket: { type: 'string' }, approval: { type: 'string' } },
    usage:
      'SERIAL [--reason TEXT] [--ticket REF] [--approval REQUEST]\n' +
      "  --reason/--ticket where the token's domain asks for them; --approval under dual control (eatctl request-view)",
    run: async (c, v, [serial]) => {
      // The token first: the page's view is audited, so it is made only once the token is known.
      const params = { serial: serial! };
      const token = (await callRoute(c, getTokenRoute, { params })).body;
      const reply = await callRoute(c, viewEmergencyAccessRoute, {
        params,
        query: { reason: str(v, 'reason'), ticket: str(v, 'ticket'), approval: str(v, 'approval') },
      });
      const page = reply.body;
      const etag = reply.headers.get('etag');
      return {
        body: { ...page, etag, token },
        text: keyValues([
          [
            'serial',
            `${String(token.serial)} (${String(token.kind)}, ${token.enabled ? 'enabled' : 'DISABLED'})`,
          ],
          ['user', userCell(token.user)],
          ['security domain', token.securityDomain],
          ['locked out', lockoutCell(token.lockout)],
          ...emergencyAccessRows(page, etag, true),
        ]),
      };
    },
  },
  {
    name: 'request-view',
    summary: "ask a second administrator's approval to read a token's offline code (dual control)",
    args: ['SERIAL'],
    options: { reason: { type: 'string' }, ticket: { type: 'string' } },
    usage: 'SERIAL --reason TEXT [--ticket REF]',
    run: async (c, v, [serial]) => {
      const reason = str(v, 'reason');
      if (reason === undefined) throw new UsageError('--reason is required: say why the code is read');
      const ticket = str(v, 'ticket');
      const { body: r } = await callRoute(c, requestViewRoute, {
        params: { serial: serial! },
        body: { reason, ...(ticket === undefined ? {} : { ticket }) },
      });
      return {
        body: r,
        text: `${viewRequestText(r)}next: another administrator runs \`eatctl approve ${r.serial} ${r.id}\`, then \`eatctl view ${r.serial} --approval ${r.id}\` (once)\n`,
      };
    },
  },
  {
    name: 'approvals',
    summary: 'pending view requests in your security domains (dual control), soonest deadline first',
    options: { limit: { type: 'string' }, cursor: { type: 'string' } },
    usage: '[--limit N] [--cursor C]',
    run: async (c, v) => {
      const { body } = await callRoute(c, listViewRequestsRoute, {
        query: { limit: str(v, 'limit') || undefined, cursor: str(v, 'cursor') || undefined },
      });
      const rows = table(
        ['request', 'serial', 'user', 'domain', 'asked by', 'reason', 'ticket', 'approve by'],
        body.items.map((r) =>
          [
            r.id,
            r.serial,
            r.user?.userId ?? '-',
            r.securityDomain,
            r.yours ? `${r.requestedBy} (you)` : r.requestedBy,
            r.reason,
            r.ticket ?? '-',
            r.approveBy,
          ].map(String),
        ),
      );
      return { body, text: pageText(body, rows) };
    },
  },
  ...[['approve', approveViewRequestRoute] as const, ['deny', denyViewRequestRoute] as const].map(
    ([decision, route]): ApiVerb => ({
      name: decision,
      summary: `${decision} another administrator's view request (dual control)`,
      args: ['SERIAL', 'REQUEST'],
      run: async (c, _v, [serial, requestId]) => {
        const { body } = await callRoute(c, route, { params: { serial: serial!, requestId: requestId! } });
        return { body, text: viewRequestText(body) };
      },
    }),
  ),
  {
    name: 'cancel-view',
    summary: 'withdraw a view request before its use (yours, or one in your domains)',
    args: ['SERIAL', 'REQUEST'],
    run: async (c, _v, [serial, requestId]) => {
      const { body } = await callRoute(c, cancelViewRequestRoute, {
        params: { serial: serial!, requestId: requestId! },
      });
      return { body, text: viewRequestText(body) };
    },
  },
  {
    name: 'reset',
    summary: 'a new offline code at the next online login',
    args: ['SERIAL'],
    run: async (c, _v, [serial]) =>
      changeReply(await callRoute(c, resetEmergencyAccessRoute, { params: { serial: serial! } })),
  },
  {
    name: 'online-use',
    summary: 'allow (on) or forbid (off) the offline code for online authentication',
    args: ['SERIAL', 'on|off'],
    run: async (c, _v, [serial, state]) => {
      if (state !== 'on' && state !== 'off') throw new UsageError('say on or off');
      return changeReply(
        await callRoute(c, setOnlineUseRoute, {
          params: { serial: serial! },
          body: { allowed: state === 'on' },
        }),
      );
    },
  },
  {
    name: 'save',
    summary: 'Save: reset and/or online use in one change, against the ETag that was viewed',
    args: ['SERIAL'],
    options: { etag: { type: 'string' }, reset: { type: 'boolean' }, 'online-use': { type: 'string' } },
    usage:
      'SERIAL [--etag ETAG] [--reset] [--online-use on|off]\n' +
      '  without --etag, the page is read first (an audited view) and saved against its ETag',
    run: async (c, v, [serial]) => {
      const onlineUse = str(v, 'online-use');
      if (onlineUse !== undefined && onlineUse !== 'on' && onlineUse !== 'off')
        throw new UsageError('--online-use on|off');
      const body: BodyInputOf<typeof saveEmergencyAccessRoute> = {
        ...(v.reset ? { resetOffline: true as const } : {}),
        ...(onlineUse ? { onlineUseAllowed: onlineUse === 'on' } : {}),
      };
      if (Object.keys(body).length === 0) throw new UsageError('say --reset, --online-use on|off or both');
      // Without --etag, save against the page as it is now, as the console does after loading it.
      const given = str(v, 'etag');
      const etag =
        given ??
        (await callRoute(c, viewEmergencyAccessRoute, { params: { serial: serial! } })).headers.get('etag') ??
        '';
      const reply = await changeReply(
        await callRoute(c, saveEmergencyAccessRoute, {
          params: { serial: serial! },
          body,
          headers: { 'if-match': etag },
        }),
      );
      return given === undefined
        ? { ...reply, text: `(saved against the current ETag ${etag}, read just now)\n${reply.text}` }
        : reply;
    },
  },
  {
    name: 'audit',
    summary: "a token's audit trail, newest first",
    args: ['SERIAL'],
    options: { limit: { type: 'string' }, cursor: { type: 'string' } },
    usage: 'SERIAL [--limit N] [--cursor C]',
    run: async (c, v, [serial]) => {
      const { body } = await callRoute(c, auditTrailRoute, {
        params: { serial: serial! },
        query: { limit: str(v, 'limit') || undefined, cursor: str(v, 'cursor') || undefined },
      });
      const rows = table(
        ['at', 'action', 'actor', 'region', 'outcome', 'details'],
        body.items.map((e) =>
          [e.at, e.action, e.actor, e.region, e.outcome, JSON.stringify(e.details)].map(String),
        ),
      );
      return { body, text: pageText(body, rows) };
    },
  },
  // The signed audit chain export; `audit verify` (audit-verify.ts) checks the file offline.
  {
    name: 'audit export',
    summary: "a token's audit chains, one per region, signed by the service (to a file with --out)",
    args: ['SERIAL'],
    options: { out: { type: 'string' } },
    usage: 'SERIAL [--out FILE]\n  then: eatctl audit verify FILE',
    run: async (c, v, [serial]) => {
      const { body } = await callRoute(c, exportAuditChainRoute, { params: { serial: serial! } });
      const json = `${JSON.stringify(body, null, 2)}\n`;
      const out = str(v, 'out');
      if (out === undefined) return { body, text: json };
      await writeFile(out, json);
      return {
        body,
        text: keyValues([
          ['serial', serial!],
          ...body.chains.map((chain): [string, string] => [
            `chain ${chain.region}`,
            `${chain.links.length} links`,
          ]),
          ['signed by', body.signature.keyId],
          ['written to', out],
        ]),
      };
    },
  },
  {
    name: 'sweep',
    summary: 'run the expiry sweep of the local system, as of now or --now (asked first when in the future)',
    options: { now: { type: 'string' }, yes: { type: 'boolean', default: false } },
    usage:
      '[--now ISO-TIME] [--yes]\n  a --now in the future expires codes still valid: asked first, or --yes',
    run: async (c, v, _args, io) => {
      const now = str(v, 'now');
      if (!(await confirmFutureSweep(now, v.yes === true, io)))
        return { body: { swept: false }, text: 'nothing swept\n', exit: EXIT.usage };
      const { body } = await callApi(c, 'POST', '/local/sweep', {
        anonymous: true,
        body: now ? { now } : {},
      });
      const r = body as Record<string, unknown>;
      return {
        body,
        text: keyValues(['now', 'due', 'expired', 'skipped', 'failed', 'stopReason'].map((k) => [k, r[k]])),
      };
    },
  },
  {
    name: 'agent authenticate',
    summary: 'online authentication as an agent; --save-data keeps the offline data it downloads (mode 0600)',
    options: {
      user: { type: 'string' },
      passcode: { type: 'string' },
      'held-generation': { type: 'string' },
      'held-data': { type: 'string' },
      ledger: { type: 'string' },
      'save-data': { type: 'string' },
    },
    usage:
      '--user USER --passcode PASSCODE|- [--held-generation N | --held-data FILE [--ledger FILE]] [--save-data FILE]\n' +
      '  --held-data: the offline data the agent holds; with the --ledger of `agent verify`, a single-use code\n' +
      '  spent offline is reported (spentOffline), so the service spends it too and issues the next\n' +
      '  --save-data NAME saves to .local/offline/NAME; a path inside the repository must be one git ignores',
    run: async (c, v, _args, io) => {
      if (!str(v, 'user')) throw new UsageError('--user is required');
      // Where the data would go is settled before the login spends a tokencode.
      const saveTo = str(v, 'save-data') === undefined ? null : offlineDataPath(str(v, 'save-data')!);
      const heldOffline = await heldOfflineArg(v);
      const passcode = await secretArg(str(v, 'passcode'), io, 'passcode');
      const { body } = await callRoute(c, agentAuthenticateRoute, {
        asAgent: true,
        body: { userId: str(v, 'user')!, passcode, ...(heldOffline ? { heldOffline } : {}) },
      });
      const reply = body;
      if (reply.offlineData && saveTo !== null) writeSecretFile(saveTo, JSON.stringify(reply.offlineData));
      const emergency = reply.offlineData?.emergencyAccess ?? null;
      const saved =
        saveTo === null
          ? []
          : [
              [
                'saved to',
                reply.offlineData ? `${shownPath(saveTo)} (mode 0600)` : 'nothing (no offline data)',
              ],
            ];
      return {
        body,
        exit: reply.outcome === 'accept' ? EXIT.ok : EXIT.rejected,
        text: keyValues([
          ['outcome', reply.outcome],
          ['method', reply.method ?? '-'],
          ...(reply.outcome === 'accept'
            ? []
            : [['why', rejectHint(reply.outcome, reply.reason)] as [string, string]]),
          [
            'offline data',
            reply.offlineData ? `${reply.offlineData.days} days until ${reply.offlineData.validUntil}` : '-',
          ],
          [
            'offline emergency code',
            emergency ? `generation ${emergency.generation}, expires ${emergency.expiresAt}` : '-',
          ],
          ...(heldOffline
            ? [
                [
                  'held offline',
                  `generation ${heldOffline.generation}${heldOffline.spentOffline ? ', reported spent offline' : ''}`,
                ] as [string, string],
              ]
            : []),
          ...(saved as [string, string][]),
        ]),
      };
    },
  },
  {
    name: 'domain list',
    summary: 'security domains and their offline policy',
    run: async (c) => {
      const { body } = await callRoute(c, listSecurityDomainsRoute, { query: { limit: '100' } });
      return { body, text: domainRows(body.items) };
    },
  },
  {
    name: 'domain put',
    summary: 'create or replace a security domain; --policy FILE holds the offline policy as JSON',
    args: ['DOMAIN'],
    options: {
      name: { type: 'string' },
      policy: { type: 'string' },
      'view-policy': { type: 'string' },
      etag: { type: 'string' },
    },
    usage:
      'DOMAIN --name NAME [--policy FILE] [--view-policy FILE] [--etag ETAG]\n' +
      '  --view-policy: {"reasonRequired", "ticketPattern", "dualControl", "approvalMinutes", "viewMinutes"}',
    run: async (c, v, [id]) => {
      // The files' contents go as they are: the API validates them and says what is wrong.
      const json = async (name: string) =>
        str(v, name) ? (JSON.parse(await readFile(str(v, name)!, 'utf8')) as object) : undefined;
      const offlinePolicy = await json('policy');
      const viewPolicy = await json('view-policy');
      const { body } = await callRoute(c, putSecurityDomainRoute, {
        params: { domainId: id! },
        body: {
          name: str(v, 'name') ?? id!,
          ...(offlinePolicy ? { offlinePolicy } : {}),
          ...(viewPolicy ? { viewPolicy } : {}),
        },
        headers: ifMatchOf(v),
      });
      return { body, text: domainRows([body]) };
    },
  },
  {
    name: 'user put',
    summary: 'create or replace a user',
    args: ['USER'],
    options: {
      'first-name': { type: 'string' },
      'last-name': { type: 'string' },
      domain: { type: 'string' },
      etag: { type: 'string' },
    },
    usage: 'USER --first-name F --last-name L --domain D [--etag ETAG]',
    run: async (c, v, [userId]) => {
      const given: Given<BodyInputOf<typeof putUserRoute>> = {
        firstName: str(v, 'first-name'),
        lastName: str(v, 'last-name'),
        securityDomain: str(v, 'domain'),
      };
      const { body: u } = await callRoute(c, putUserRoute, {
        params: { userId: userId! },
        body: given as BodyInputOf<typeof putUserRoute>,
        headers: ifMatchOf(v),
      });
      return {
        body: u,
        text: table(
          ['user', 'first name', 'last name', 'domain'],
          [[u.userId, u.firstName, u.lastName, u.securityDomain].map(String)],
        ),
      };
    },
  },
  {
    name: 'token import',
    summary: 'import tokens from a JSON file: [{serial, kind, seed, digits, securityDomain}], with progress',
    options: { file: { type: 'string' } },
    usage: '--file FILE',
    run: async (c, v, _args, io) => {
      if (!str(v, 'file')) throw new UsageError('--file is required');
      // The file's tokens go as they are: the API checks each one.
      const tokens = JSON.parse(await readFile(str(v, 'file')!, 'utf8')) as BodyInputOf<
        typeof importTokenRoute
      >[];
      if (!Array.isArray(tokens)) throw new UsageError('the file must hold a JSON array of tokens');
      const imported: string[] = [];
      for (const [i, token] of tokens.entries()) {
        await callRoute(c, importTokenRoute, { body: token });
        imported.push(String(token.serial));
        io.stderr(`\rimported ${i + 1}/${tokens.length}`);
      }
      io.stderr('\n');
      return {
        body: { imported },
        text: table(
          ['imported'],
          imported.map((serial) => [serial]),
        ),
      };
    },
  },
  tokenVerb('token assign', 'assign a token to a user', ['SERIAL', 'USER'], (c, [serial, userId]) =>
    callRoute(c, assignTokenRoute, { params: { serial: serial! }, body: { userId: userId! } }),
  ),
  tokenVerb('token unassign', 'unassign a token', ['SERIAL'], (c, [serial]) =>
    callRoute(c, unassignTokenRoute, { params: { serial: serial! } }),
  ),
  tokenVerb('token enable', 'enable a token', ['SERIAL'], (c, [serial]) =>
    callRoute(c, setTokenEnabledRoute, { params: { serial: serial! }, body: { enabled: true } }),
  ),
  tokenVerb('token disable', 'disable a token', ['SERIAL'], (c, [serial]) =>
    callRoute(c, setTokenEnabledRoute, { params: { serial: serial! }, body: { enabled: false } }),
  ),
  tokenVerb('token pin clear', "clear a securid token's PIN", ['SERIAL'], (c, [serial]) =>
    callRoute(c, clearPinRoute, { params: { serial: serial! } }),
  ),
  tokenVerb('token unlock', 'reset the failure counters of a locked-out token', ['SERIAL'], (c, [serial]) =>
    callRoute(c, unlockTokenRoute, { params: { serial: serial! } }),
  ),
  {
    name: 'token pin set',
    summary: "set a securid token's PIN (--pin - reads it from standard input)",
    args: ['SERIAL'],
    options: { pin: { type: 'string' } },
    usage: 'SERIAL --pin PIN|-',
    run: async (c, v, [serial], io) => {
      const pin = await secretArg(str(v, 'pin'), io, 'pin');
      const { body } = await callRoute(c, setPinRoute, { params: { serial: serial! }, body: { pin } });
      return { body, text: summaryRows([body]) };
    },
  },
  {
    name: 'agent list',
    summary: 'authentication agents',
    run: async (c) => {
      const { body } = await callRoute(c, listAgentsRoute, { query: { limit: '100' } });
      return { body, text: agentRows(body.items) };
    },
  },
  {
    name: 'agent put',
    summary: 'create or replace an authentication agent',
    args: ['AGENT'],
    options: {
      name: { type: 'string' },
      offline: { type: 'boolean', default: false },
      etag: { type: 'string' },
    },
    usage: 'AGENT --name NAME [--offline] [--etag ETAG]',
    run: async (c, v, [agentId]) => {
      const { body } = await callRoute(c, putAgentRoute, {
        params: { agentId: agentId! },
        body: { name: str(v, 'name') ?? agentId!, supportsOfflineAuthentication: v.offline === true },
        headers: ifMatchOf(v),
      });
      return { body, text: agentRows([body]) };
    },
  },
];

/** The verb's own options, then the connection's, on the first line; the notes after. */
function usageOf(spec: ApiVerb): string {
  const [first, ...notes] = (spec.usage ?? (spec.args ?? []).join(' ')).split('\n');
  return [`eatctl ${spec.name} ${first} ${CONNECTION_USAGE}`.replace(/ {2,}/g, ' '), ...notes].join('\n');
}

export function toVerb(spec: ApiVerb): Verb {
  const args = spec.args ?? [];
  return {
    name: spec.name,
    summary: spec.summary,
    usage: usageOf(spec),
    async run(argv, io) {
      const { values, positionals } = parseArgs({
        args: argv,
        options: { ...CONNECTION_OPTIONS, ...spec.options },
        allowPositionals: true,
        strict: true,
      });
      if (positionals.length !== args.length)
        throw new UsageError(`expected ${args.join(' ') || 'no arguments'}`);
      try {
        const result = await spec.run(connectionFrom(values), values as Values, positionals, io);
        io.stdout(values.json ? `${JSON.stringify(result.body, null, 2)}\n` : result.text);
        return result.exit ?? EXIT.ok;
      } catch (error) {
        if (error instanceof ApiError) {
          io.stderr(`eatctl ${spec.name}: ${error.message}\n`);
          if (values.json) io.stdout(`${JSON.stringify(error.body)}\n`);
          return error.status >= 400 && error.status < 500 ? EXIT.refused : EXIT.failed;
        }
        if (error instanceof TypeError && /fetch failed/.test(error.message)) {
          io.stderr(`eatctl ${spec.name}: cannot reach ${connectionFrom(values).endpoint}\n`);
          return EXIT.failed;
        }
        throw error;
      }
    },
  };
}

export const API_VERBS: readonly Verb[] = VERBS.map(toVerb);
