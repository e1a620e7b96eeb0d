import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { verifyAuditExport, type AuditChainExport } from '../../shared/domain/audit-export';
import { keyValues } from '../render';
import { EXIT, UsageError, type Verb } from '../verb';

/** A public key given as a PEM file, a DER file, or base64 of the DER (`--public-key`). */
async function publicKeyArg(value: string): Promise<string | Buffer> {
  const file = await readFile(value).catch(() => null);
  if (file === null) return value;
  const text = file.toString('utf8');
  return text.includes('BEGIN PUBLIC KEY') ? text : /^[A-Za-z0-9+/=\s]+$/.test(text) ? text.trim() : file;
}

/**
 * `eatctl audit verify FILE`: checks an audit chain export offline: its signature (under `--public-key`,
 * the service's published key, or else the key the file carries, which proves only that the file was not
 * changed since someone signed it) and every region's chain, and names the first bad link of each.
 */
export const auditVerify: Verb = {
  name: 'audit verify',
  summary: 'check a signed audit chain export offline and name the first bad event',
  usage:
    'eatctl audit verify FILE [--public-key PEM-FILE|DER-FILE|BASE64] [--json]\n' +
    '  exit 0: intact, 1: tampered or badly signed, 2: usage, 3: unreadable file',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { 'public-key': { type: 'string' }, json: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new UsageError('expected FILE');
    const path = positionals[0]!;
    let document: AuditChainExport;
    try {
      document = JSON.parse(await readFile(path, 'utf8')) as AuditChainExport;
      if (document.format !== 'eat-audit-chain/1' || !Array.isArray(document.chains))
        throw new Error('not an eat-audit-chain/1 export');
    } catch (error) {
      io.stderr(`eatctl audit verify: cannot read ${path}: ${(error as Error).message}\n`);
      return EXIT.failed;
    }
    const trusted = values['public-key'] === undefined ? undefined : await publicKeyArg(values['public-key']);
    const result = verifyAuditExport(document, trusted);
    if (values.json) {
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const key = document.signature?.keyId ?? '-';
      io.stdout(
        keyValues([
          ['file', path],
          ['token', document.serial],
          ['exported', `${document.exportedAt} by ${document.exportedBy} in ${document.exportedIn}`],
          [
            'signature',
            result.signature === 'valid'
              ? `valid, key ${key}${result.keyTrusted ? ' (the key given)' : ' (the key in the file: compare it with the published one, or give --public-key)'}`
              : `INVALID (key ${key}${result.keyTrusted ? ', the key given' : ''}): the file was changed after signing, or signed by another key`,
          ],
          ...document.chains.map((chain): [string, string] => [
            `chain ${chain.region}`,
            `${chain.links.length} links${chain.links.length > 0 ? ` (${chain.firstSeq} to ${chain.firstSeq + chain.links.length - 1})` : ''}${chain.firstSeq > 1 ? `, starting after ${chain.firstSeq - 1} removed by retention` : ''}`,
          ]),
          ...result.faults.map((fault): [string, string] => [
            'bad',
            `${fault.region} link ${fault.seq}${fault.eventId === null ? '' : ` (event ${fault.eventId})`}: ${fault.message}`,
          ]),
          ['verdict', result.ok ? 'intact' : 'NOT INTACT'],
        ]),
      );
    }
    return result.ok ? EXIT.ok : EXIT.rejected;
  },
};
