/**
 * The functions wired as in Lambda, over a fresh table in the run's DynamoDB Local and a local sealing
 * key: `call` goes through each route group's real module (`handler`, configured from the environment
 * exactly as at a cold start); `callWith` builds the same handler around dependencies a test hands in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { LocalPepper } from '../../shared/adapters/pepper';
import { DynamoDbAuditChainStore } from '../../shared/adapters/dynamodb/dynamodb-audit-chain';
import { DynamoDbClientBudget } from '../../shared/adapters/dynamodb/dynamodb-client-budget';
import { LocalSigner } from '../../shared/adapters/signing/local-signer';
import { ensureLocalKeyFile, LocalSealer } from '../../shared/adapters/sealing';
import type { UseCaseDependencies } from '../../shared/use-cases/context';
import type { RouteDefinition } from '../../functions/api/contract/route';
import { isRouteGroup, ROUTE_FUNCTIONS, type RouteFunctionModule } from '../../functions/registry';
import { httpEvent, lambdaContext, type RequestSpec } from './events';
import { MemoryClientBudget } from '../../shared/adapters/memory/memory-client-budget';
import { MemoryTokenStore } from '../../shared/adapters/memory/memory-token-store';
import { TEST_KDF_COST } from './kdf';
import { createTestTable, type TestTable } from './table';
import { PRODUCTION_KDF_COST } from '../../shared/domain/verifier';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  raw: string;
}

type Handler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<unknown>;

/** The functions over some dependencies: what the use-case tests need, with DynamoDB or without. */
export interface UseCaseSystem {
  deps: UseCaseDependencies;
  sealer: LocalSealer;
  call(route: RouteDefinition, spec?: RequestSpec): Promise<Reply>;
  callWith(deps: UseCaseDependencies, route: RouteDefinition, spec?: RequestSpec): Promise<Reply>;
  stop(): Promise<void>;
}

export interface TestSystem extends UseCaseSystem {
  table: TestTable;
  env: Record<string, string>;
}

async function invoke(handler: Handler, route: RouteDefinition, spec: RequestSpec = {}): Promise<Reply> {
  const result = (await handler(httpEvent(route, spec), lambdaContext(route.group))) as {
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  };
  return {
    status: result.statusCode,
    headers: result.headers,
    body: result.body === '' ? undefined : JSON.parse(result.body),
    raw: result.body,
  };
}

/** A local sealing key and pepper key in a fresh directory, as the functions find them (functions/config.ts). */
async function localKeys() {
  const dir = mkdtempSync(join(tmpdir(), 'eat-key-'));
  const keyFile = join(dir, 'sealing.key');
  await ensureLocalKeyFile(keyFile);
  const sealer = await LocalSealer.fromKeyFile(keyFile);
  // The functions find the pepper key next to the sealing key (functions/config.ts).
  const pepper = await LocalPepper.fromKeyFile(join(dir, 'pepper.key'), true);
  return { dir, keyFile, sealer, pepper, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Each route group's module (functions/registry.ts), loaded once with `env` in the environment, in a registry of its own. */
function functionModules(env: Record<string, string>): (group: string) => Promise<RouteFunctionModule> {
  const modules = new Map<string, Promise<RouteFunctionModule>>();
  return (group) => {
    let loaded = modules.get(group);
    if (loaded === undefined) {
      if (!isRouteGroup(group)) throw new Error(`no route function "${group}" in functions/registry.ts`);
      Object.assign(process.env, env);
      // A fresh module registry per function, configured from env as at a cold start.
      loaded = (async () => {
        let module: RouteFunctionModule | undefined;
        await jest.isolateModulesAsync(async () => {
          module = await ROUTE_FUNCTIONS[group]();
        });
        return module!;
      })();
      modules.set(group, loaded);
    }
    return loaded;
  };
}

function callerWith(moduleOf: (group: string) => Promise<RouteFunctionModule>): UseCaseSystem['callWith'] {
  return async (custom, route, spec) => {
    const create = (await moduleOf(route.group)).createHandler;
    if (create === undefined) throw new Error(`functions/${route.group} takes no dependencies`);
    return invoke(create(custom), route, spec);
  };
}

/**
 * The functions over the in-memory token store and client budget, at the tests' KDF cost: the use cases
 * and handlers as deployed, with no DynamoDB, each call in milliseconds. `call` builds each route group's
 * handler around `deps` (as `callWith` does); nothing here reads a table.
 */
export async function startMemorySystem(regionName = 'test-primary'): Promise<UseCaseSystem> {
  const keys = await localKeys();
  // In memory, two calls can fall in one millisecond, and audit events of one time are in no set order:
  // each reading is at least a millisecond after the last, as the time of a DynamoDB round trip makes it.
  let last = 0;
  const deps: UseCaseDependencies = {
    store: new MemoryTokenStore(),
    sealer: keys.sealer,
    pepper: keys.pepper,
    clock: () => new Date((last = Math.max(Date.now(), last + 1))),
    regionName,
    policyCaps: { maxEmergencyCodeLifetimeDays: 90 },
    kdf: TEST_KDF_COST,
    clientBudget: new MemoryClientBudget({ limit: 100_000, windowSeconds: 60 }),
  };
  // The modules' own cold-start wiring needs a configuration, never used here: every handler gets `deps`.
  const moduleOf = functionModules({
    TABLE_NAME: 'not-used-in-memory',
    REGION_NAME: regionName,
    SEALER: 'local',
    LOCAL_KEY_FILE: keys.keyFile,
    POWERTOOLS_SERVICE_NAME: 'emergency-access-test',
    POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT',
  });
  const callWith = callerWith(moduleOf);
  return {
    deps,
    sealer: keys.sealer,
    call: (route, spec) => callWith(deps, route, spec),
    callWith,
    stop: async () => keys.remove(),
  };
}

export async function startTestSystem(regionName = 'test-primary'): Promise<TestSystem> {
  const table = await createTestTable();
  const { dir, keyFile, sealer, pepper, remove } = await localKeys();
  const env = {
    TABLE_NAME: table.tableName,
    REGION_NAME: regionName,
    SEALER: 'local',
    LOCAL_KEY_FILE: keyFile,
    DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT ?? '',
    POWERTOOLS_SERVICE_NAME: 'emergency-access-test',
    POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT',
  };
  const deps: UseCaseDependencies = {
    store: table.store,
    sealer,
    pepper,
    clock: () => new Date(),
    regionName,
    policyCaps: { maxEmergencyCodeLifetimeDays: 90 },
    kdf: PRODUCTION_KDF_COST,
    // Generous: the tests of the budget itself build their own.
    clientBudget: new DynamoDbClientBudget(table.client, {
      tableName: table.tableName,
      regionName,
      limit: 100_000,
      windowSeconds: 60,
    }),
    // The audit chains and the export's signing key, where the functions find it (functions/config.ts).
    auditChain: new DynamoDbAuditChainStore(table.client, table.tableName),
    signer: await LocalSigner.fromKeyFile(join(dir, 'audit-signing-key.pem')),
  };
  const moduleOf = functionModules(env);
  return {
    table,
    deps,
    sealer,
    env,
    call: async (route, spec) => invoke((await moduleOf(route.group)).handler, route, spec),
    callWith: callerWith(moduleOf),
    stop: async () => {
      await table.drop();
      table.client.destroy();
      remove();
    },
  };
}
