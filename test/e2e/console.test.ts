/**
 * The help-desk console in headless Chromium against the local system as `npm start` runs it: the vendor's
 * procedure end to end (sign in as jane.admin through the local issuer with PKCE, search, open Alice's
 * token, read the code, tick Reset, Save against a stale ETag and reload, Save), where the code may and
 * may not be, axe-core, the audit naming the administrator, and a Sales administrator who sees only Sales.
 * Screenshots of the main screens go to .local/screenshots (git ignores .local).
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { decodeBase32, totp } from '../../shared/domain/totp';
import { main } from '../../cli/eatctl';
import { axeViolations, launchChromium } from '../support/browser';
import { projectRoot } from '../../local/engines';
import {
  callLocalApi,
  localClientToken,
  startLocalProcess,
  type LocalProcess,
} from '../support/local-process';

const ALICE = { userId: 'alice', serial: '000100000001', pin: '2468', seed: 'JBSWY3DPEHPK3PXP' };
const ERIN_SERIAL = '000100000005';
const SCREENSHOTS = join(projectRoot(), '.local', 'screenshots');

let system: LocalProcess;
let browser: Browser;

/** The console as `npm start` builds it (its prestart step); the system serves whatever is built. */
async function buildConsole(): Promise<void> {
  await promisify(execFile)(
    join(projectRoot(), 'node_modules', '.bin', 'vite'),
    ['build', '--config', 'console/vite.config.mjs'],
    { cwd: projectRoot() },
  );
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [system, browser] = await Promise.all([startLocalProcess(), launchChromium(), buildConsole()]);
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

interface Visit {
  context: BrowserContext;
  page: Page;
  /** Every address the tab was at, in order. */
  urls: string[];
}

async function signIn(username: string, password: string, options = { clock: false }): Promise<Visit> {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  if (options.clock) await page.clock.install();
  const urls: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) urls.push(frame.url());
  });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.goto(`${system.primary}/console/`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${username}`).waitFor();
  // The code and state are gone from the address, the PKCE verifier from sessionStorage.
  expect(page.url()).toBe(`${system.primary}/console/`);
  expect(await page.evaluate('sessionStorage.length + localStorage.length')).toBe(0);
  expect(problems).toEqual([]);
  return { context, page, urls };
}

async function search(page: Page, fields: Record<string, string>) {
  for (const [label, value] of Object.entries(fields)) await page.getByLabel(label).fill(value);
  await page.getByRole('button', { name: 'Search' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: /^Page \d/ })
    .waitFor();
}

/** Everything the browser keeps for the origin, and where the tab has been. */
async function storedText(visit: Visit): Promise<string> {
  // A string: this runs in the page, where the DOM's globals are.
  const kept = await visit.page.evaluate(`({
    local: Object.entries(localStorage),
    session: Object.entries(sessionStorage),
    href: location.href,
    historyState: JSON.stringify(history.state),
    cookies: document.cookie,
  })`);
  return JSON.stringify({ kept, urls: visit.urls });
}

async function expectAccessible(page: Page) {
  const serious = (await axeViolations(page)).filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
  expect(serious).toEqual([]);
}

test('the help-desk procedure in the console, end to end, as jane.admin', async () => {
  // Alice's first online login through the offline-capable agent issues her first code.
  const agent = await localClientToken(system.primary, 'win-agent-1');
  const login = await callLocalApi(system.primary, agent, 'POST', '/v1/agent/authenticate', {
    userId: ALICE.userId,
    passcode: ALICE.pin + totp(decodeBase32(ALICE.seed), new Date()),
  });
  expect(login.body).toMatchObject({ outcome: 'accept' });

  const jane = await signIn('jane.admin', 'jane-password');
  const { page } = jane;
  await expectAccessible(page);

  // By keyboard: the search's first field, Enter submits.
  await page.getByLabel('Last name (beginning of)').fill('arch');
  await page.getByLabel('Last name (beginning of)').press('Enter');
  await page
    .getByRole('status')
    .filter({ hasText: /^Page 1/ })
    .waitFor();
  const rows = page.locator('table.results tbody tr');
  expect(await rows.count()).toBe(1);
  await expect(rows.first().textContent()).resolves.toContain('Archer, Alice');
  await page.screenshot({ path: join(SCREENSHOTS, 'console-search.png'), fullPage: true });
  await page.getByRole('button', { name: ALICE.serial }).focus();
  await page.keyboard.press('Enter');

  const codeBox = page.getByLabel('Offline emergency code');
  await codeBox.waitFor();
  // Focus moves to the new page's heading, and the tab order starts from there.
  expect(await page.evaluate('document.activeElement.id')).toBe('token-heading');
  const code = (await codeBox.textContent())!.trim();
  expect(code).toMatch(/^[A-Z0-9]{12}$/);
  await expect(page.locator('.facts').nth(2).textContent()).resolves.toMatch(/StateActive.*Generation1/);
  await page.getByRole('button', { name: 'Copy the code' }).click();
  await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(code);
  await expectAccessible(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'console-token.png'), fullPage: true });

  // Someone else saves first (online use, through the API): the page's ETag is now stale.
  const helpdesk = await localClientToken(system.primary, 'helpdesk');
  const elsewhere = await callLocalApi(
    system.primary,
    helpdesk,
    'PUT',
    `/v1/tokens/${ALICE.serial}/emergency-access/online-use`,
    {
      allowed: true,
    },
  );
  expect(elsewhere.status).toBe(200);
  await page.getByLabel('Reset (issue a new code').check();
  await page.getByRole('button', { name: 'Save' }).click();
  const stale = page.getByRole('alert').filter({ hasText: 'Someone changed this token' });
  await stale.waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, 'console-stale.png'), fullPage: true });
  await stale.getByRole('button', { name: 'Reload' }).click();
  await page.getByText('Allowed', { exact: true }).waitFor();
  expect(await page.getByLabel('Reset (issue a new code').isChecked()).toBe(true);
  expect(await page.getByLabel('Use offline code for online access').isChecked()).toBe(false);
  // Untick what would undo the other administrator's change, as the reloaded page shows it.
  await page.getByLabel('Use offline code for online access').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved: a new code will be issued' }).waitFor();
  await expect(page.locator('.facts').nth(2).textContent()).resolves.toContain(
    "Yes: a new code at the user's next online login",
  );
  // The audit trail, newest first, names the administrator who signed in.
  const trail = page.locator('table.audit tbody tr');
  await page.getByRole('cell', { name: 'emergency-access.reset' }).waitFor();
  await expect(trail.first().textContent()).resolves.toMatch(/emergency-access\.reset.*jane\.admin.*success/);
  await expect(page.locator('table.audit').textContent()).resolves.toMatch(
    /emergency-access\.view.*jane\.admin/,
  );
  await expectAccessible(page);

  // The code is in no storage, address, history entry or cookie, and leaves the page with the admin.
  expect(await storedText(jane)).not.toContain(code);
  expect(await page.content()).toContain(code);
  await page.getByRole('button', { name: '← Back to the search' }).click();
  await page.getByRole('heading', { name: 'Manage existing tokens' }).waitFor();
  expect(await page.content()).not.toContain(code);
  expect(await storedText(jane)).not.toContain(code);
  expect(jane.urls.every((url) => url.startsWith(`${system.primary}/`))).toBe(true);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You are signed out.').waitFor();
  await jane.context.close();
});

test('after a save, the Regions panel says which region has the change yet, and eatctl regions too', async () => {
  const partition = (action: 'hold' | 'release') =>
    fetch(`${system.primary}/local/replication/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'local-primary', to: 'local-replica' }),
    });
  const eatctl = async (...argv: string[]) => {
    const io = {
      out: '',
      stdout: (text: string) => void (io.out += text),
      stderr: (text: string) => void (io.out += text),
      readStdin: async () => '',
    };
    const token = await localClientToken(system.primary, 'helpdesk');
    const exit = await main([...argv, '--endpoint', system.primary, '--token', token], io);
    return { exit, out: io.out };
  };
  const jane = await signIn('jane.admin', 'jane-password');
  const { page } = jane;
  await search(page, { 'Last name (beginning of)': 'arch' });
  await page.getByRole('button', { name: ALICE.serial }).click();
  await page.getByLabel('Offline emergency code').waitFor();
  expect(await page.getByRole('heading', { name: 'Regions' }).count()).toBe(0);

  // A partition: the save cannot reach the replica until it heals, however fast the machine.
  expect((await partition('hold')).status).toBe(200);
  const onlineUse = page.getByLabel('Use offline code for online access');
  await onlineUse.setChecked(!(await onlineUse.isChecked()));
  await page.getByRole('button', { name: 'Save' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: /^Saved:/ })
    .waitFor();
  const replicaRow = page.locator('table.regions tr[data-region="local-replica"]');
  await page.locator('table.regions tr[data-region="local-replica"][data-state="pending"]').waitFor();
  await expect(replicaRow.textContent()).resolves.toMatch(/Not yet \(waiting \d+ s\)/);
  await expect(
    page.locator('table.regions tr[data-region="local-primary"]').textContent(),
  ).resolves.toContain('Saved here');
  await page.getByText(/Saved in local-primary; not every region has it yet\. Saved \d+ s ago\./).waitFor();
  await expectAccessible(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'console-regions-pending.png'), fullPage: true });
  const pending = await eatctl('regions', ALICE.serial);
  expect(pending.exit).toBe(0);
  expect(pending.out).toMatch(/local-replica\s+pending/);
  expect(pending.out).toMatch(/everywhere\s+not yet/);

  // Healed: the panel, still asking every second, turns without a reload.
  expect((await partition('release')).status).toBe(200);
  await page.locator('table.regions tr[data-region="local-replica"][data-state="replicated"]').waitFor();
  await page.getByText('Every region has the change.').waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, 'console-regions.png'), fullPage: true });
  const replicated = await eatctl('regions', ALICE.serial, '--wait', '30');
  expect(replicated.exit).toBe(0);
  expect(replicated.out).toMatch(/local-replica\s+replicated/);
  expect(replicated.out).toMatch(/everywhere\s+yes/);
  await jane.context.close();
});

test('a Sales administrator reaches only Sales tokens, and an ineligible token says why', async () => {
  const sam = await signIn('sam.sales', 'sam-password');
  const { page } = sam;
  await search(page, { 'Last name (beginning of)': 'a' });
  expect(await page.locator('table.results tbody tr').count()).toBe(0);
  await search(page, { 'Last name (beginning of)': '', Serial: ALICE.serial });
  expect(await page.locator('table.results tbody tr').count()).toBe(0);
  await search(page, { Serial: '', 'Security domain': 'SystemDomain' });
  expect(await page.locator('table.results tbody tr').count()).toBe(0);
  await search(page, { 'Security domain': '' });
  const rows = page.locator('table.results tbody tr');
  expect(await rows.count()).toBe(1);
  await expect(rows.first().textContent()).resolves.toContain('Sales');

  // The other region answers the same (CORS from the console's origin to the replica's port).
  const fromReplica = page.waitForResponse((r) => r.url().startsWith(`${system.replica}/v1/tokens?`));
  await page.getByLabel('Region').selectOption({ label: 'local-replica' });
  const answer = await fromReplica;
  expect(answer.status()).toBe(200);
  expect(answer.headers()['x-region']).toBe('local-replica');
  await page
    .getByRole('status')
    .filter({ hasText: /^Page 1: 1 token\./ })
    .waitFor();
  await expect(rows.first().textContent()).resolves.toContain(ERIN_SERIAL);

  await page.getByRole('button', { name: ERIN_SERIAL }).click();
  await page.getByText('This token may not have an offline emergency code:').waitFor();
  await page
    .getByText("The user's security domain does not permit downloading offline emergency codes.")
    .first()
    .waitFor();
  expect(await page.getByLabel('Offline emergency code').count()).toBe(0);
  await page.getByLabel('Use offline code for online access').check();
  await page.getByRole('button', { name: 'Save' }).click();
  const refused = page.getByRole('alert').filter({ hasText: 'Not saved' });
  await refused.waitFor();
  await expect(refused.textContent()).resolves.toContain('does not permit downloading');
  await expectAccessible(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'console-ineligible.png'), fullPage: true });
  await sam.context.close();
});

test('the session ends when the access token expires', async () => {
  const jane = await signIn('jane.admin', 'jane-password', { clock: true });
  // The page's clock runs on: an hour later the token has expired and the console says so.
  await jane.page.clock.fastForward('01:00:05');
  await jane.page.getByText('Your session expired. Sign in again.').waitFor();
  await jane.context.close();
});

/** Sets SystemDomain's view policy, the rest of the domain as it is (If-Match `*`: the test's own change). */
async function setSystemDomainViewPolicy(token: string, viewPolicy: Record<string, unknown>) {
  const domain = await callLocalApi(system.primary, token, 'GET', '/v1/security-domains/SystemDomain');
  const { name, offlinePolicy, pinPolicy } = domain.body;
  const response = await fetch(`${system.primary}/v1/security-domains/SystemDomain`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'if-match': '*' },
    body: JSON.stringify({ name, offlinePolicy, pinPolicy, viewPolicy }),
  });
  expect(response.status).toBe(200);
}

test('a reason before the code, then dual control: the approvals list, a request, and one view', async () => {
  const helpdesk = await localClientToken(system.primary, 'helpdesk');
  await setSystemDomainViewPolicy(helpdesk, { reasonRequired: true, ticketPattern: 'INC#+' });
  const jane = await signIn('jane.admin', 'jane-password');
  const { page } = jane;
  await search(page, { 'Last name (beginning of)': 'arch' });
  await page.getByRole('button', { name: ALICE.serial }).click();

  // The domain asks for a reason and a ticket: no code until both are given, and a wrong ticket says why.
  await page.getByRole('heading', { name: 'A reason before the code' }).waitFor();
  expect(await page.getByLabel('Offline emergency code').count()).toBe(0);
  await page.getByLabel('Reason (why you read this code)').fill('Alice is offline at a customer site');
  await page.getByLabel('Ticket reference').fill('CHG42');
  await page.getByRole('button', { name: 'Show the code' }).click();
  await page.getByRole('alert').filter({ hasText: 'ticket reference of the form INC#+' }).waitFor();
  await page.getByLabel('Ticket reference').fill('INC42');
  await page.getByRole('button', { name: 'Show the code' }).click();
  const code = (await page.getByLabel('Offline emergency code').textContent())!.trim();
  expect(code).toMatch(/^[A-Z0-9]{12}$/);
  await page
    .getByRole('cell', { name: /justification: Alice is offline at a customer site, ticket: INC42/ })
    .waitFor();
  await expectAccessible(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'console-reason.png'), fullPage: true });
  await page.getByRole('button', { name: '← Back to the search' }).click();

  // Dual control: the help desk's client asks, jane approves it in her approvals list.
  await setSystemDomainViewPolicy(helpdesk, { ticketPattern: 'INC#+', dualControl: true, viewMinutes: 5 });
  const asked = await callLocalApi(
    system.primary,
    helpdesk,
    'POST',
    `/v1/tokens/${ALICE.serial}/view-requests`,
    {
      reason: 'Second look at the offline login',
      ticket: 'INC43',
    },
  );
  expect(asked.status).toBe(201);
  await page.getByRole('button', { name: 'Approvals' }).click();
  await page.getByRole('heading', { name: 'View requests waiting for approval' }).waitFor();
  await page.getByRole('cell', { name: 'Second look at the offline login' }).waitFor();
  await expectAccessible(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'console-approvals.png'), fullPage: true });
  await page.getByRole('button', { name: `Approve helpdesk's request for token ${ALICE.serial}` }).click();
  await page.getByRole('status').filter({ hasText: 'Approved: helpdesk may read the code' }).waitFor();
  await page.getByText('No request is waiting.').waitFor();

  // Jane's own view now waits for a second administrator, then opens once.
  await page.getByRole('button', { name: '← Back to the search' }).click();
  await search(page, { 'Last name (beginning of)': 'arch' });
  await page.getByRole('button', { name: ALICE.serial }).click();
  await page.getByRole('heading', { name: 'Dual control' }).waitFor();
  await page.getByLabel('Reason (why you read this code)').fill('Alice called again from the site');
  await page.getByLabel('Ticket reference').fill('INC44');
  await page.getByRole('button', { name: 'Request approval' }).click();
  await page.getByText('Waiting for a second administrator').waitFor();
  await page.getByRole('cell', { name: /justification: Alice called again from the site/ }).waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, 'console-waiting.png'), fullPage: true });
  const pending = await callLocalApi(system.primary, helpdesk, 'GET', '/v1/view-requests');
  const mine = (pending.body.items as { id: string; requestedBy: string }[]).find(
    (r) => r.requestedBy === 'jane.admin',
  )!;
  const approved = await callLocalApi(
    system.primary,
    helpdesk,
    'POST',
    `/v1/tokens/${ALICE.serial}/view-requests/${mine.id}/approve`,
  );
  expect(approved.status).toBe(200);
  await page.getByRole('button', { name: 'Check again' }).click();
  await page.getByRole('button', { name: 'Show the code (once)' }).click();
  await expect(page.getByLabel('Offline emergency code').textContent()).resolves.toBe(code);
  await expectAccessible(page);
  expect(await storedText(jane)).not.toContain(code);

  // Once: back on the token later, the gate is there again.
  await page.getByRole('button', { name: '← Back to the search' }).click();
  await page.getByRole('button', { name: ALICE.serial }).click();
  await page.getByRole('heading', { name: 'Dual control' }).waitFor();
  expect(await page.content()).not.toContain(code);

  // She withdraws a request on the token page: it can no longer be approved.
  const pendingIds = async () =>
    (
      (await callLocalApi(system.primary, helpdesk, 'GET', '/v1/view-requests')).body.items as {
        id: string;
        requestedBy: string;
      }[]
    )
      .filter((r) => r.requestedBy === 'jane.admin')
      .map((r) => r.id);
  await page.getByLabel('Reason (why you read this code)').fill('Alice may have found her token');
  await page.getByLabel('Ticket reference').fill('INC45');
  await page.getByRole('button', { name: 'Request approval' }).click();
  await page.getByText('Waiting for a second administrator').waitFor();
  const [withdrawn] = await pendingIds();
  await page.getByRole('button', { name: 'Cancel the request' }).click();
  await page.getByText('Cancelled', { exact: true }).waitFor();
  await page.getByRole('cell', { name: 'emergency-access.view-cancelled' }).first().waitFor();
  const late = await callLocalApi(
    system.primary,
    helpdesk,
    'POST',
    `/v1/tokens/${ALICE.serial}/view-requests/${withdrawn}/approve`,
  );
  expect(late).toMatchObject({ status: 409, body: { error: { reasons: ['VIEW_REQUEST_CANCELLED'] } } });

  // And one from her approvals list, where her own requests have Cancel instead of Approve and Deny.
  await page.getByRole('button', { name: 'Ask again' }).click();
  await page.getByLabel('Reason (why you read this code)').fill('Alice may have found her token');
  await page.getByLabel('Ticket reference').fill('INC46');
  await page.getByRole('button', { name: 'Request approval' }).click();
  await page.getByText('Waiting for a second administrator').waitFor();
  await page.getByRole('button', { name: '← Back to the search' }).click();
  await page.getByRole('button', { name: 'Approvals' }).click();
  await page.getByRole('button', { name: `Cancel your request for token ${ALICE.serial}` }).click();
  await page.getByRole('status').filter({ hasText: 'Cancelled: your request for the code' }).waitFor();
  await page.getByText('No request is waiting.').waitFor();
  expect(await pendingIds()).toEqual([]);
  await jane.context.close();
  await setSystemDomainViewPolicy(helpdesk, {});
});
