/**
 * Dual control from the command line, through the local gateway: the domain's view policy with
 * `eatctl domain put --view-policy`, `eatctl request-view`, `approvals`, `approve`, the one
 * `eatctl view --approval`, and `eatctl cancel-view`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../cli/eatctl';
import type { Io } from '../../../cli/verb';
import { giveOfflineCode, seedDemo, USERS } from '../../support/demo';
import { startTestGateway, type TestGateway } from '../../support/gateway';
import { startTestSystem, type TestSystem } from '../../support/system';

const CODE = 'K7QM2XHP';
const serial = USERS[0]!.serial;
let system: TestSystem;
let gateway: TestGateway;
let dir: string;

beforeAll(async () => {
  system = await startTestSystem();
  await seedDemo(system);
  await giveOfflineCode(system, USERS[0]!, CODE);
  gateway = await startTestGateway(system);
  dir = mkdtempSync(join(tmpdir(), 'eatctl-view-'));
});

afterAll(async () => {
  await gateway?.close();
  await system?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function eatctl(who: 'helpdesk' | 'jane.admin', ...argv: string[]) {
  const token =
    who === 'helpdesk' ? await gateway.clientToken('helpdesk') : await gateway.userToken('jane.admin');
  const io: Io & { out: string; err: string } = {
    out: '',
    err: '',
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
    readStdin: async () => '',
  };
  const exit = await main([...argv, '--endpoint', gateway.url, '--token', token], io);
  return { exit, out: io.out, err: io.err };
}

it('requests, lists, approves, then views once', async () => {
  const policy = join(dir, 'view-policy.json');
  writeFileSync(policy, JSON.stringify({ dualControl: true, ticketPattern: 'INC#+', viewMinutes: 5 }));
  const put = await eatctl(
    'helpdesk',
    'domain',
    'put',
    'SystemDomain',
    '--view-policy',
    policy,
    '--etag',
    '*',
  );
  expect(put).toMatchObject({ exit: 0 });

  const direct = await eatctl('jane.admin', 'view', serial, '--reason', 'Alice is locked out');
  expect(direct.exit).toBe(4);
  expect(direct.err).toContain('403 APPROVAL_REQUIRED');

  const noTicket = await eatctl('jane.admin', 'request-view', serial, '--reason', 'Alice is locked out');
  expect(noTicket).toMatchObject({ exit: 4, err: expect.stringContaining('422 TICKET_INVALID') });

  const asked = await eatctl(
    'jane.admin',
    'request-view',
    serial,
    '--reason',
    'Alice is locked out',
    '--ticket',
    'INC42',
  );
  expect(asked.exit).toBe(0);
  const id = /^request\s+([0-9a-f]{32})$/m.exec(asked.out)![1]!;
  expect(asked.out).toContain(`eatctl approve ${serial} ${id}`);
  expect(asked.out).toMatch(/^status\s+pending$/m);

  const pending = await eatctl('helpdesk', 'approvals');
  expect(pending.exit).toBe(0);
  expect(pending.out).toContain(id);
  expect(pending.out).toContain('Alice is locked out');

  const self = await eatctl('jane.admin', 'approve', serial, id);
  expect(self).toMatchObject({ exit: 4, err: expect.stringContaining('SELF_APPROVAL') });
  const approved = await eatctl('helpdesk', 'approve', serial, id);
  expect(approved.exit).toBe(0);
  expect(approved.out).toMatch(/^status\s+approved$/m);

  const seen = await eatctl('jane.admin', 'view', serial, '--approval', id);
  expect(seen.exit).toBe(0);
  expect(seen.out).toMatch(new RegExp(`^offline emergency code\\s+${CODE}$`, 'm'));
  const again = await eatctl('jane.admin', 'view', serial, '--approval', id);
  expect(again).toMatchObject({ exit: 4, err: expect.stringContaining('VIEW_REQUEST_USED') });
  expect(again.err + again.out).not.toContain(CODE);
});

it('cancels a request: its approval then opens nothing', async () => {
  const asked = await eatctl(
    'jane.admin',
    'request-view',
    serial,
    '--reason',
    'Alice called back: no longer needed',
    '--ticket',
    'INC43',
  );
  const id = /^request\s+([0-9a-f]{32})$/m.exec(asked.out)![1]!;
  const cancelled = await eatctl('jane.admin', 'cancel-view', serial, id);
  expect(cancelled.exit).toBe(0);
  expect(cancelled.out).toMatch(/^status\s+cancelled$/m);
  expect(cancelled.out).toMatch(/^cancelled by\s+jane\.admin at /m);
  const approve = await eatctl('helpdesk', 'approve', serial, id);
  expect(approve).toMatchObject({ exit: 4, err: expect.stringContaining('VIEW_REQUEST_CANCELLED') });
  const again = await eatctl('jane.admin', 'cancel-view', serial, id);
  expect(again).toMatchObject({ exit: 4, err: expect.stringContaining('409') });
});
