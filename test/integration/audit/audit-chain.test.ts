/**
 * The per-region hash chain of a token's audit events, built from the table's real stream (DynamoDB
 * Local) by the audit trail consumer, exported signed through the real route (each export audited), and
 * checked offline by `eatctl audit verify`: a batch delivered again chains nothing twice, two writers at once never fork a
 * chain, another domain's administrator gets 404, and an edited or shortened file is caught.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditChainExport, exportAuditChainRoute } from '../../../functions/api/contract/audit-export-routes';
import { LocalAuditTrail } from '../../../local/audit-trail';
import { DynamoDbAuditChainStore } from '../../../shared/adapters/dynamodb/dynamodb-audit-chain';
import { verifyChain } from '../../../shared/domain/audit-chain';
import { verifyAuditExport, type AuditChainExport } from '../../../shared/domain/audit-export';
import type { OutboxEvent } from '../../../shared/domain/model';
import { auditEventOf } from '../../../shared/use-cases/audit';
import { chainAuditEvents } from '../../../shared/use-cases/audit-chain';
import type { UseCaseDependencies } from '../../../shared/use-cases/context';
import { changeEmergencyAccess, viewEmergencyAccess } from '../../../shared/use-cases/emergency-access';
import { auditVerify } from '../../../cli/verbs/audit-verify';
import { seedDemo, USERS } from '../../support/demo';
import { JANE, SALES_ADMIN } from '../../support/events';
import { startTestSystem, type TestSystem } from '../../support/system';

const [alice, bob] = USERS;

let system: TestSystem;
let deps: UseCaseDependencies;
let chain: DynamoDbAuditChainStore;
let trail: LocalAuditTrail;
const dir = mkdtempSync(join(tmpdir(), 'eat-audit-export-'));

beforeAll(async () => {
  system = await startTestSystem();
  await seedDemo(system);
  deps = system.deps;
  chain = new DynamoDbAuditChainStore(system.table.client, system.table.tableName);
  trail = await LocalAuditTrail.open({
    client: system.table.client,
    tableName: system.table.tableName,
    regionName: deps.regionName,
    publisher: { publish: async () => undefined },
    from: 'start',
  });
});

afterAll(async () => {
  await trail.stop();
  await system.stop();
});

const jane = (requestId: string) => ({ id: 'jane.admin', via: 'console', domains: '*' as const, requestId });

async function eatctlVerify(...args: string[]) {
  let out = '';
  const code = await auditVerify.run(args, {
    stdout: (text) => (out += text),
    stderr: (text) => (out += text),
    readStdin: async () => '',
  });
  return { code, out };
}

describe('the audit chain', () => {
  let exported: AuditChainExport;
  const file = join(dir, 'alice.json');

  it('chains every audit event of the region, in order, and the route exports it signed', async () => {
    await viewEmergencyAccess(deps, jane('chain-view'), alice.serial);
    await changeEmergencyAccess(
      deps,
      jane('chain-online'),
      alice.serial,
      { onlineUseAllowed: false },
      undefined,
    );
    await viewEmergencyAccess(deps, jane('chain-view-2'), alice.serial);
    await trail.drain();

    const { items } = await deps.store.listAudit(alice.serial, { limit: 100 });
    const reply = await system.call(exportAuditChainRoute, { params: { serial: alice.serial } });
    expect(reply.status).toBe(200);
    expect(auditChainExport.parse(reply.body)).toEqual(reply.body);
    exported = reply.body as AuditChainExport;
    expect(exported.chains.map((c) => c.region)).toEqual([deps.regionName]);
    const links = exported.chains[0]!.links;
    expect(links.map((l) => l.seq)).toEqual(items.map((_, i) => i + 1));
    // In the order the events were written (the stream's), each once.
    expect(links.map((l) => l.event.requestId).slice(-3)).toEqual([
      'chain-view',
      'chain-online',
      'chain-view-2',
    ]);
    expect(verifyAuditExport(exported)).toMatchObject({ ok: true, signature: 'valid', faults: [] });

    writeFileSync(file, JSON.stringify(exported, null, 2));
    const verified = await eatctlVerify(file);
    expect(verified.code).toBe(0);
    expect(verified.out).toContain('intact');
  });

  it('each export is audited: who exported which token, no secret; in the next export, not in its own', async () => {
    const exportsOf = async () =>
      (await deps.store.listAudit(alice.serial, { limit: 100 })).items.filter(
        (e) => e.action === 'audit.exported',
      );
    const before = await exportsOf();
    const reply = await system.call(exportAuditChainRoute, {
      params: { serial: alice.serial },
      claims: JANE,
    });
    expect(reply.status).toBe(200);
    const file = reply.body as AuditChainExport;
    const recorded = await exportsOf();
    expect(recorded).toHaveLength(before.length + 1);
    const [event] = recorded;
    expect(event).toEqual({
      serial: alice.serial,
      at: expect.any(String),
      action: 'audit.exported',
      actor: 'jane.admin',
      region: deps.regionName,
      outcome: 'success',
      requestId: expect.any(String),
      details: {
        links: file.chains[0]!.links.length,
        regions: 1,
        exportedAt: file.exportedAt,
        keyId: file.signature.keyId,
        via: 'eat-console',
      },
    });
    expect(JSON.stringify(recorded)).not.toContain(file.signature.value);
    // Not in the file it records (written after the file was signed); chained, it is in the next one.
    const exportLinks = (f: AuditChainExport) =>
      f.chains.flatMap((c) => c.links).filter((l) => l.event.action === 'audit.exported');
    expect(exportLinks(file).map((l) => l.event.details.exportedAt)).not.toContain(file.exportedAt);
    await trail.drain();
    const next = (await system.call(exportAuditChainRoute, { params: { serial: alice.serial } }))
      .body as AuditChainExport;
    expect(exportLinks(next).map((l) => l.event.details.exportedAt)).toContain(file.exportedAt);
    expect(verifyAuditExport(next)).toMatchObject({ ok: true, faults: [] });
  });

  it('an event edited in the file: `eatctl audit verify` names it and exits 1', async () => {
    const edited = JSON.parse(readFileSync(file, 'utf8')) as AuditChainExport;
    const target = edited.chains[0]!.links.find((l) => l.event.requestId === 'chain-online')!;
    target.event.details = { ...target.event.details, onlineUseAllowed: true };
    const path = join(dir, 'edited.json');
    writeFileSync(path, JSON.stringify(edited));
    const verified = await eatctlVerify(path);
    expect(verified.code).toBe(1);
    expect(verified.out).toContain(`link ${target.seq} (event ${target.event.eventId})`);
    expect(verified.out).toMatch(/signature\s+INVALID/);
    expect(verified.out).toContain('NOT INTACT');
  });

  it('an event removed from the file is detected', async () => {
    const cut = JSON.parse(readFileSync(file, 'utf8')) as AuditChainExport;
    const removed = cut.chains[0]!.links.splice(1, 1)[0]!;
    const path = join(dir, 'cut.json');
    writeFileSync(path, JSON.stringify(cut));
    const verified = await eatctlVerify(path);
    expect(verified.code).toBe(1);
    expect(verified.out).toContain(`link ${removed.seq} is missing`);
  });

  it('a batch delivered again chains nothing twice', async () => {
    const links = await chain.allLinks(alice.serial);
    const events: OutboxEvent[] = links.map((l) => ({ ...l.event, serial: l.serial, region: l.region }));
    const again = await chainAuditEvents({ chain, regionName: deps.regionName }, events.slice(-2));
    expect(again).toEqual({ chained: 0, alreadyChained: 2 });
    expect(await chain.allLinks(alice.serial)).toHaveLength(links.length);
  });

  it('two writers in one region at once: one chain, no fork, every event once', async () => {
    const event = (n: number): OutboxEvent =>
      auditEventOf(deps, {
        serial: bob.serial,
        action: 'emergency-access.view',
        actor: `writer-${n % 2}`,
        requestId: `concurrent-${n}`,
        outcome: 'success',
      });
    const first = [1, 3, 5, 7].map(event);
    const second = [2, 4, 6, 8].map(event);
    const region = { chain, regionName: deps.regionName };
    const before = (await chain.allLinks(bob.serial)).length;
    await Promise.all([chainAuditEvents(region, first), chainAuditEvents(region, second)]);
    const links = await chain.allLinks(bob.serial);
    expect(links).toHaveLength(before + 8);
    expect(new Set(links.map((l) => l.seq)).size).toBe(links.length);
    expect(new Set(links.map((l) => l.event.eventId)).size).toBe(links.length);
    expect(verifyChain(bob.serial, deps.regionName, links)).toBeNull();
  });

  it('another domain’s administrator gets 404, as for every admin route', async () => {
    const reply = await system.call(exportAuditChainRoute, {
      params: { serial: alice.serial },
      claims: SALES_ADMIN,
    });
    expect(reply.status).toBe(404);
    expect(reply.raw).not.toContain(alice.serial.slice(-4) + '"');
    expect(reply.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
