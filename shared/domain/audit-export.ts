/**
 * The signed export of a token's audit chains (format `eat-audit-chain/1`), and its offline verification.
 * The signature (ECDSA P-256 with SHA-256, DER, as KMS gives it) covers, through its SHA-256, the canonical
 * JSON of everything but the signature itself: every region's links, their count and the export's metadata. The public key
 * travels with the file for convenience; trust comes from comparing it with the one published out of band
 * (`eatctl audit verify --public-key`), since whoever rewrites a file can sign it with a key of their own.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { canonicalJson, verifyChain, type ChainFault, type ChainLink } from './audit-chain';

export const AUDIT_EXPORT_FORMAT = 'eat-audit-chain/1';
export const AUDIT_SIGNING_ALGORITHM = 'ECDSA_SHA_256';

export interface RegionChain {
  region: string;
  /** The first position held (1, unless retention removed older links). */
  firstSeq: number;
  links: ChainLink[];
}

export interface AuditChainExport {
  format: typeof AUDIT_EXPORT_FORMAT;
  serial: string;
  exportedAt: string;
  exportedBy: string;
  /** The region that made the export; each region's chain is as this region's table held it then. */
  exportedIn: string;
  chains: RegionChain[];
  signature: {
    algorithm: typeof AUDIT_SIGNING_ALGORITHM;
    keyId: string;
    /** The signing key's public key: SubjectPublicKeyInfo, DER, base64. */
    publicKey: string;
    /** DER-encoded ECDSA signature, base64. */
    value: string;
  };
}

export type UnsignedExport = Omit<AuditChainExport, 'signature'>;

/**
 * What is signed: the format and the SHA-256 of the export's canonical JSON (everything but the signature),
 * a short message that KMS signs as it is (RAW).
 */
export function signedPayloadOf(document: UnsignedExport): Buffer {
  const { format, serial, exportedAt, exportedBy, exportedIn, chains } = document;
  const digest = createHash('sha256')
    .update(canonicalJson({ format, serial, exportedAt, exportedBy, exportedIn, chains }), 'utf8')
    .digest('hex');
  return Buffer.from(`${AUDIT_EXPORT_FORMAT}\n${digest}`, 'utf8');
}

export interface ExportVerification {
  ok: boolean;
  signature: 'valid' | 'invalid';
  /** Whether the key that verified was the one given, not only the one the file carries. */
  keyTrusted: boolean;
  events: number;
  /** The first fault of each chain that has one. */
  faults: ChainFault[];
}

function spkiOf(publicKey: string | Buffer) {
  if (Buffer.isBuffer(publicKey)) return createPublicKey({ key: publicKey, format: 'der', type: 'spki' });
  return publicKey.includes('BEGIN PUBLIC KEY')
    ? createPublicKey(publicKey)
    : createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
}

/** Checks a file offline: its signature (under `trustedKey` if given, else the key it carries) and chains. */
export function verifyAuditExport(
  document: AuditChainExport,
  trustedKey?: string | Buffer,
): ExportVerification {
  const { signature: sig, ...unsigned } = document;
  let signature: ExportVerification['signature'] = 'invalid';
  try {
    const key = spkiOf(trustedKey ?? sig.publicKey);
    const valid = verify(
      'sha256',
      signedPayloadOf(unsigned),
      { key, dsaEncoding: 'der' },
      Buffer.from(sig.value, 'base64'),
    );
    signature = valid ? 'valid' : 'invalid';
  } catch {
    signature = 'invalid';
  }
  const faults = document.chains.flatMap(
    (chain) => verifyChain(document.serial, chain.region, chain.links, chain.firstSeq) ?? [],
  );
  const regions = document.chains.map((c) => c.region);
  if (new Set(regions).size !== regions.length) {
    faults.push({
      region: regions.find((r, i) => regions.indexOf(r) !== i)!,
      seq: 0,
      eventId: null,
      reason: 'fork',
      message: 'a region has two chains',
    });
  }
  return {
    ok: signature === 'valid' && faults.length === 0,
    signature,
    keyTrusted: trustedKey !== undefined,
    events: document.chains.reduce((n, c) => n + c.links.length, 0),
    faults,
  };
}
