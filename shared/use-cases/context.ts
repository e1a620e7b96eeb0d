import type { AuditChainStore } from '../ports/audit-chain-store';
import type { Signer } from '../ports/signer';
import type { Pepper } from '../ports/pepper';
import type { ClientBudget } from '../ports/client-budget';
import type { Sealer } from '../ports/sealer';
import type { TokenStore } from '../ports/token-store';
import type { ReplicaReader } from '../ports/replica-reader';
import type { PolicyCaps } from '../domain/policy';
import type { KdfCost } from '../domain/verifier';

/** What the use cases need from the outside world, handed in by the functions (or the tests). */
export interface UseCaseDependencies {
  store: TokenStore;
  sealer: Sealer;
  /** The keyed hash of emergency code verifiers, whose key stays in KMS. */
  pepper: Pepper;
  clock: () => Date;
  /** The region name written into audit events. */
  regionName: string;
  policyCaps: PolicyCaps;
  /** The verifier KDF's cost: PRODUCTION_KDF_COST in every function; a cheap one in tests only. */
  kdf: Readonly<KdfCost>;
  /** The per-client request budget; the agent API's function refuses to start without it. */
  clientBudget?: ClientBudget;
  /** The tokens' audit chains (audit-chain.ts): read by the export. */
  auditChain?: AuditChainStore;
  /** The audit export's signing key; the export fails closed (503) without it. */
  signer?: Signer;
  /** Every region's copy of a token's regional items: the regions' view of a change (replication-status.ts). */
  replicas?: ReplicaReader;
}

/** An administrator acting through the API. */
export interface AdminActor {
  /** The person (a user token's username or sub), or the client of a client-credentials token. */
  id: string;
  /** The app client the person acted through; audited beside the person as `via`. */
  via?: string;
  /** The security domains the administrator may see and change; '*' for all. */
  domains: '*' | readonly string[];
  requestId: string;
}

export function canSeeDomain(actor: Pick<AdminActor, 'domains'>, domain: string): boolean {
  return actor.domains === '*' || actor.domains.includes(domain);
}
