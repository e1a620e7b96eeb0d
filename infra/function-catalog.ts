/**
 * The Lambda functions of a region, derived at synth time from the API's route table (ALL_ROUTES): one
 * function per route group, whose handler module is its entry in the function registry
 * (functions/registry.ts), plus the scheduled expiry sweep. A route added to ALL_ROUTES is wired with no
 * change here.
 *
 * What each function may touch is declared below, once: the table and the indexes it queries, whether it
 * writes or deletes, and which sealing purposes it may open (kms:Decrypt) or seal (kms:Encrypt). The IAM
 * policies of the functions and the key policies of the sealing keys are both built from these
 * declarations, so the two cannot drift apart. A route group that has no declaration yet still gets its
 * function, with the narrowest useful access (see `undeclaredAccess`) and a synth-time warning.
 */
import * as path from 'node:path';
import { ALL_ROUTES } from '../functions/api/contract/routes';
import type { RouteDefinition, RouteGroup } from '../functions/api/contract/route';
import { FUNCTION_ENTRIES, type FunctionName } from '../functions/registry';
import type { ProjectionPurpose } from '../shared/adapters/dynamodb/keys';
import { INDEX } from '../shared/adapters/dynamodb/table-schema';
import type { PepperPurpose } from '../shared/ports/pepper';
import type { SealingPurpose } from '../shared/ports/sealer';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

export type IndexName = keyof typeof INDEX;

export const SEALING_PURPOSES: readonly SealingPurpose[] = ['offline-eat', 'totp-seed', 'page-cursor'];

/** Paging routes seal the cursors they hand out and open the ones they are given (page-cursors.ts). */
const PAGE_CURSORS = { opens: ['page-cursor'], seals: ['page-cursor'] } as const;

/** The table's partitions by their key's prefix (shared/adapters/dynamodb/keys.ts). */
export type Partition = 'TOKEN#' | 'USER#' | 'DOMAIN#' | 'AGENT#';
export const ALL_PARTITIONS: readonly Partition[] = ['TOKEN#', 'USER#', 'DOMAIN#', 'AGENT#'];

export interface DataAccess {
  /** `read`: GetItem and Query. `read-write`: also PutItem (every write is a conditional put). */
  table: 'none' | 'read' | 'read-write';
  /**
   * The partitions its table actions may touch (`dynamodb:LeadingKeys`); every partition of the service
   * when absent. Never the request budget's `BUDGET#`, which only `clientBudget` opens.
   */
  partitions?: readonly Partition[];
  /**
   * What a read-only function reads, by purpose (PROJECTION in shared/adapters/dynamodb/keys.ts): its
   * reads may name only those attributes (`dynamodb:Attributes`, Select SPECIFIC_ATTRIBUTES), so no seed,
   * PIN verifier or sealed code. Every attribute when absent (functions that write read whole items).
   */
  reads?: readonly ProjectionPurpose[];
  /** The partitions it may delete in (DeleteItem): none of them holds an audit event, TTL alone removes those. */
  deletesIn?: readonly Partition[];
  /** UpdateItem on its own `BUDGET#` counters: the per-client request budget (dynamodb-client-budget.ts). */
  clientBudget?: boolean;
  /** The global secondary indexes it queries (Query only). */
  indexes: readonly IndexName[];
  /** Also DeleteItem, in `deletesIn` only. */
  deletes: boolean;
  /** kms:Decrypt with the encryption context of these purposes. */
  opens: readonly SealingPurpose[];
  /** kms:Encrypt with the encryption context of these purposes. */
  seals: readonly SealingPurpose[];
  /**
   * kms:GenerateMac under the pepper key for these purposes: issuing or checking an emergency code,
   * setting or checking a PIN (shared/use-cases/code-verifier.ts). The only functions given
   * `PEPPER_KEY_ARN`. KMS cannot tell the purposes apart (a MAC has no encryption context): the list
   * documents why, and any entry grants the whole key.
   */
  peppers: readonly PepperPurpose[];
  /** kms:Sign and kms:GetPublicKey with the region's audit signing key: the audit export alone. */
  signsAuditExports?: boolean;
  /**
   * PutItem in TOKEN# partitions of items made only of an audit event's attributes (`dynamodb:Attributes`):
   * a read-only function that audits what it hands out (the audit export). IAM cannot pin the sort key,
   * so the put's own condition (attribute_not_exists) is what keeps it from replacing an item.
   */
  appendsAudit?: boolean;
  /**
   * GetItem and Query, as `reads` and `partitions` allow, on the table's replica in every other region of
   * the deployment too (told REPLICATION_REGIONS): the regions' view of a change alone.
   */
  readsReplicaTables?: boolean;
}

export interface FunctionSizing {
  memorySizeMb: number;
  timeoutSeconds: number;
  /** Reserved concurrency: this much is kept for it, whatever the other functions do, and it takes no more. */
  reservedConcurrency?: number;
}

export interface FunctionDeclaration {
  access: DataAccess;
  sizing?: Partial<FunctionSizing>;
}

const NO_DATA: DataAccess = {
  table: 'none',
  indexes: [],
  deletes: false,
  opens: [],
  seals: [],
  peppers: [],
};

/** Each function's data access, by function name (the route group, or `sweep`). */
export const FUNCTION_DECLARATIONS: Readonly<Record<string, FunctionDeclaration>> = {
  /**
   * Search and the token details: the user and domain indexes, the ids of the domains, each token's
   * partition read without secrets; listings only.
   */
  'admin-search': {
    access: {
      ...NO_DATA,
      table: 'read',
      partitions: ['TOKEN#', 'DOMAIN#'],
      reads: ['tokenListing', 'nameFilter', 'tokenOverview', 'domainIds'],
      indexes: ['byUserId', 'byDomainLastName', 'byDomainFirstName', 'byLastName', 'byType'],
      ...PAGE_CURSORS,
    },
  },
  /** The emergency access page: one Query of the token's partition, the code opened, the view audited. */
  'admin-view': {
    access: {
      ...NO_DATA,
      table: 'read-write',
      partitions: ['TOKEN#', 'USER#', 'DOMAIN#'],
      opens: ['offline-eat'],
    },
  },
  /**
   * Dual control's view requests: the token's domain and state, the domain's view policy, the requests
   * in the token's partition and the pending list through the type index; never opens a code.
   */
  'admin-view-approvals': {
    access: {
      ...NO_DATA,
      table: 'read-write',
      partitions: ['TOKEN#', 'DOMAIN#'],
      indexes: ['byType'],
      ...PAGE_CURSORS,
    },
  },
  /** Reset, online use, Save: the settings item and audit events; never opens a code. */
  'admin-change': { access: { ...NO_DATA, table: 'read-write', partitions: ['TOKEN#', 'USER#', 'DOMAIN#'] } },
  /** The audit trail: the token's domain, then a Query of its audit items. */
  'admin-audit': {
    access: {
      ...NO_DATA,
      table: 'read',
      partitions: ['TOKEN#'],
      reads: ['tokenDomain', 'auditEvents'],
      ...PAGE_CURSORS,
    },
  },
  /**
   * The signed audit export: the token's domain, then its chain links; the only signer (issue 17). It
   * appends the export's own audit event, and writes nothing else.
   */
  'admin-audit-export': {
    access: {
      ...NO_DATA,
      table: 'read',
      partitions: ['TOKEN#'],
      reads: ['tokenDomain', 'auditChain'],
      signsAuditExports: true,
      appendsAudit: true,
    },
  },
  /**
   * The regions' view of a change (issue 17): the token's domain, then each region's copy of the token's
   * regionally written items, versions and change times only, in this region's table and every replica.
   */
  'admin-replication': {
    access: {
      ...NO_DATA,
      table: 'read',
      partitions: ['TOKEN#'],
      reads: ['tokenDomain', 'replication'],
      readsReplicaTables: true,
    },
  },
  /**
   * Management: security domains and agents (listed through the type index), users and their tokens
   * (the user index), token import (the seed is sealed, never opened), assignment, PINs (peppered when
   * set), unlock.
   */
  'admin-manage': {
    access: {
      ...NO_DATA,
      table: 'read-write',
      indexes: ['byUserId', 'byType'],
      opens: ['page-cursor'],
      seals: ['totp-seed', 'page-cursor'],
      peppers: ['pin'],
    },
  },
  /**
   * Online authentication: the user's token through the user index, the seed opened to check a
   * tokencode, the held offline code opened to re-deliver it, a new code sealed when one is issued, the
   * code and the PIN peppered when the code is issued (its verifier) or either is checked; the client's
   * request budget counted. The verifier KDF is CPU-bound: a full vCPU (1769 MB) keeps one check near its
   * benchmark time. Reserved concurrency: a flood of admin or sweep work in the account cannot starve
   * online logins, and one agent's flood (already cut by its budget) cannot take the account's whole
   * concurrency.
   */
  'agent-authenticate': {
    access: {
      ...NO_DATA,
      table: 'read-write',
      clientBudget: true,
      indexes: ['byUserId'],
      opens: ['totp-seed', 'offline-eat'],
      seals: ['offline-eat'],
      peppers: ['offline-eat', 'pin'],
    },
    sizing: { memorySizeMb: 1769, reservedConcurrency: 50 },
  },
  /**
   * The expiry sweep: the sparse expiry index, each due code re-read and rewritten without its sealed
   * code (no key use), run-out download records deleted.
   */
  sweep: {
    access: {
      ...NO_DATA,
      table: 'read-write',
      partitions: ['TOKEN#', 'USER#'],
      indexes: ['byExpiry'],
      deletes: true,
      deletesIn: ['USER#'],
    },
    sizing: { timeoutSeconds: 300 },
  },
};

/**
 * Route groups served as static files, with no function: the public OpenAPI document is written to a
 * bucket at deployment and the HTTP API proxies to it (constructs/public-openapi-document.ts). Their
 * handler modules serve the same routes in the local gateway.
 */
export const STATIC_ROUTE_GROUPS: ReadonlySet<string> = new Set(['openapi' satisfies RouteGroup]);

export const DEFAULT_SIZING: FunctionSizing = { memorySizeMb: 1024, timeoutSeconds: 10 };

export const SWEEP_FUNCTION = 'sweep' satisfies FunctionName;

/**
 * The access of a route group nobody has declared yet: its routes' reads (GetItem, Query on the table),
 * and PutItem when one of its routes changes state or writes audit events. No index and no key: those
 * must be declared above, where a reviewer sees them.
 */
export function undeclaredAccess(routes: readonly RouteDefinition[]): DataAccess {
  const writes = routes.some((r) => r.method !== 'GET' || r.audit !== undefined);
  const publicOnly = routes.every((r) => r.scope === null);
  if (publicOnly && !writes) return NO_DATA;
  return { ...NO_DATA, table: writes ? 'read-write' : 'read' };
}

export interface FunctionSpec {
  /** The route group (`admin-view`), or `sweep`. */
  name: string;
  /** The handler module (functions/registry.ts); it exports `handler`. */
  entry: string;
  /** The routes it serves (none for the sweep). */
  routes: readonly RouteDefinition[];
  access: DataAccess;
  /** False when FUNCTION_DECLARATIONS has no entry and `undeclaredAccess` was used. */
  declared: boolean;
  sizing: FunctionSizing;
}

export class MissingHandlerError extends Error {
  constructor(name: string) {
    super(`function "${name}" has no handler module in the function registry (functions/registry.ts)`);
    this.name = 'MissingHandlerError';
  }
}

/** Each function's handler module by name: the registry's, or a test's own. */
export type FunctionEntries = Readonly<Record<string, string>>;

function specOf(name: string, routes: readonly RouteDefinition[], entries: FunctionEntries): FunctionSpec {
  const entry = Object.hasOwn(entries, name) ? entries[name] : undefined;
  if (entry === undefined) throw new MissingHandlerError(name);
  const declaration = FUNCTION_DECLARATIONS[name];
  return {
    name,
    entry,
    routes,
    access: declaration?.access ?? undeclaredAccess(routes),
    declared: declaration !== undefined,
    sizing: { ...DEFAULT_SIZING, ...declaration?.sizing },
  };
}

/** The route groups of `routes`, in first-seen order. */
export function routeGroupsOf(routes: readonly RouteDefinition[]): Map<string, RouteDefinition[]> {
  const groups = new Map<string, RouteDefinition[]>();
  for (const route of routes) {
    if (!/^[a-z][a-z0-9-]*$/.test(route.group)) {
      throw new Error(`route ${route.operationId}: group "${route.group}" is not a lower-case file name`);
    }
    groups.set(route.group, [...(groups.get(route.group) ?? []), route]);
  }
  return groups;
}

export interface FunctionCatalog {
  /** One per route group served by a function, in route-table order. */
  routeGroups: FunctionSpec[];
  /** The routes of STATIC_ROUTE_GROUPS, which no function serves when deployed. */
  staticRoutes: RouteDefinition[];
  sweep: FunctionSpec;
  all: FunctionSpec[];
}

/** The functions of one region. Throws MissingHandlerError when a handler module does not exist. */
export function functionCatalog(
  routes: readonly RouteDefinition[] = ALL_ROUTES,
  entries: FunctionEntries = FUNCTION_ENTRIES,
): FunctionCatalog {
  const groups = [...routeGroupsOf(routes)];
  const routeGroups = groups
    .filter(([name]) => !STATIC_ROUTE_GROUPS.has(name))
    .map(([name, groupRoutes]) => specOf(name, groupRoutes, entries));
  const staticRoutes = groups.filter(([name]) => STATIC_ROUTE_GROUPS.has(name)).flatMap(([, r]) => r);
  if (routeGroups.some((spec) => spec.name === SWEEP_FUNCTION)) {
    throw new Error(`"${SWEEP_FUNCTION}" is the scheduled sweep's name; no route group may use it`);
  }
  const sweep = specOf(SWEEP_FUNCTION, [], entries);
  return { routeGroups, staticRoutes, sweep, all: [...routeGroups, sweep] };
}
