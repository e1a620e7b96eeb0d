/**
 * The tamper-evident trail, attacked as someone with write access to the table or to an exported file
 * would: edit an event, remove one, rewrite the hashes after an edit, cut the tail, sign with a key of
 * their own. Each is caught, and the first bad event is named.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkAfter, linkHashOf, verifyChain, type ChainLink } from '../../../../shared/domain/audit-chain';
import {
  AUDIT_EXPORT_FORMAT,
  signedPayloadOf,
  verifyAuditExport,
  type AuditChainExport,
  type UnsignedExport,
} from '../../../../shared/domain/audit-export';
import type { OutboxEvent } from '../../../../shared/domain/model';
import { LocalSigner } from '../../../../shared/adapters/signing/local-signer';

const SERIAL = '000100000001';

function eventNumber(n: number, region = 'eu-west-1'): OutboxEvent {
  return {
    eventId: `event-${n}`,
    serial: SERIAL,
    at: new Date(Date.UTC(2026, 10, 30, 12, 0, n)).toISOString(),
    action: 'emergency-access.view',
    actor: 'jane.admin',
    region,
    outcome: 'success',
    requestId: `req-${n}`,
    details: { generation: 1, codeShown: true },
  };
}

function chainOf(count: number, region = 'eu-west-1'): ChainLink[] {
  const links: ChainLink[] = [];
  for (let n = 1; n <= count; n += 1) links.push(linkAfter(links.at(-1) ?? null, eventNumber(n, region)));
  return links;
}

async function signed(signer: LocalSigner, chains: UnsignedExport['chains']): Promise<AuditChainExport> {
  const unsigned: UnsignedExport = {
    format: AUDIT_EXPORT_FORMAT,
    serial: SERIAL,
    exportedAt: '2026-12-01T00:00:00.000Z',
    exportedBy: 'jane.admin',
    exportedIn: 'eu-west-1',
    chains,
  };
  const { keyId, signature } = await signer.sign(signedPayloadOf(unsigned));
  const { spki } = await signer.publicKey();
  return {
    ...unsigned,
    signature: {
      algorithm: 'ECDSA_SHA_256',
      keyId,
      publicKey: spki.toString('base64'),
      value: signature.toString('base64'),
    },
  };
}

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

let signer: LocalSigner;
let other: LocalSigner;
let document: AuditChainExport;
let publicKey: Buffer;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eat-audit-key-'));
  signer = await LocalSigner.fromKeyFile(join(dir, 'audit.pem'));
  other = await LocalSigner.fromKeyFile(join(dir, 'other.pem'));
  publicKey = (await signer.publicKey()).spki;
  document = await signed(signer, [
    { region: 'eu-west-1', firstSeq: 1, links: chainOf(5) },
    { region: 'us-east-1', firstSeq: 1, links: chainOf(3, 'us-east-1') },
  ]);
});

describe('the audit chain export', () => {
  it('an untouched export verifies, under the key it carries and under the published key', () => {
    expect(verifyAuditExport(document)).toMatchObject({
      ok: true,
      signature: 'valid',
      events: 8,
      faults: [],
    });
    expect(verifyAuditExport(document, publicKey)).toMatchObject({ ok: true, keyTrusted: true });
    // The key file stays the same key across loads.
    expect(signer.keyId).toMatch(/^local-audit-[0-9a-f]{16}$/);
  });

  it('one event edited: the verification names it, and the signature fails', () => {
    const edited = copy(document);
    edited.chains[0]!.links[2]!.event.actor = 'someone.else';
    const result = verifyAuditExport(edited, publicKey);
    expect(result.ok).toBe(false);
    expect(result.signature).toBe('invalid');
    expect(result.faults).toEqual([
      expect.objectContaining({ region: 'eu-west-1', seq: 3, eventId: 'event-3', reason: 'hash' }),
    ]);
  });

  it('one event edited and its hash recomputed: the next link names the break', () => {
    const edited = copy(document);
    const link = edited.chains[0]!.links[2]!;
    link.event.details = { generation: 1, codeShown: false };
    link.hash = linkHashOf(link);
    const result = verifyAuditExport(edited, publicKey);
    expect(result.signature).toBe('invalid');
    expect(result.faults).toEqual([
      expect.objectContaining({ seq: 4, eventId: 'event-4', reason: 'prev-hash' }),
    ]);
  });

  it('one event removed from the middle: the gap is found at its position', () => {
    const cut = copy(document);
    cut.chains[0]!.links.splice(1, 1);
    const result = verifyAuditExport(cut, publicKey);
    expect(result.ok).toBe(false);
    expect(result.faults).toEqual([expect.objectContaining({ region: 'eu-west-1', seq: 2, reason: 'gap' })]);
  });

  it('the last event removed from the file: the chain alone looks whole, the signature does not', () => {
    const cut = copy(document);
    cut.chains[0]!.links.pop();
    const result = verifyAuditExport(cut, publicKey);
    expect(result.faults).toEqual([]);
    expect(result.signature).toBe('invalid');
    expect(result.ok).toBe(false);
  });

  it('the first event removed and the start moved: the signature fails', () => {
    const cut = copy(document);
    cut.chains[0]!.links.shift();
    cut.chains[0]!.firstSeq = 2;
    expect(verifyAuditExport(cut, publicKey)).toMatchObject({ ok: false, signature: 'invalid', faults: [] });
  });

  it('a file rewritten and signed again with another key passes only until the published key is given', async () => {
    const forged = copy(document);
    forged.chains[0]!.links[2]!.event.actor = 'someone.else';
    forged.chains[0]!.links = forged.chains[0]!.links.reduce<ChainLink[]>(
      (links, link) => [
        ...links,
        linkAfter(links.at(-1) ?? null, { ...link.event, serial: SERIAL, region: 'eu-west-1' }),
      ],
      [],
    );
    const resigned = await signed(other, forged.chains);
    expect(verifyAuditExport(resigned)).toMatchObject({ ok: true, keyTrusted: false });
    expect(verifyAuditExport(resigned, publicKey)).toMatchObject({ ok: false, signature: 'invalid' });
  });

  it('two links at one position (a fork) are refused', () => {
    const links = chainOf(3);
    const fork = linkAfter(links[0]!, eventNumber(9));
    expect(verifyChain(SERIAL, 'eu-west-1', [...links, fork])).toMatchObject({ seq: 2, reason: 'fork' });
  });
});
