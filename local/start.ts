/**
 * `npm start`: the whole product on this machine, no cloud account. DynamoDB Local keeps its data in
 * .local/dynamodb (git ignores .local), the local sealing key and JWT signing key are created on first
 * start, the demo data is loaded into an empty table, and a primary and a replica gateway serve the API
 * over the same data. `npm start -- --fresh` starts over: an empty table, then the demo data.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FastifyInstance } from 'fastify';
import { ALL_ROUTES } from '../functions/api/routes';
import { ensureLocalKeyFile } from '../shared/adapters/sealing';
import { createTableInput } from '../shared/adapters/dynamodb/table-schema';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import { projectRoot, startDynamoDbLocal } from './engines';
import { LOCAL_CLIENTS } from './clients';
import { DEMO_USERS, loadDemoData } from './demo-data';
import { createGateway, type LambdaHandler } from './gateway';
import { createLocalIssuer, type LocalIssuer } from './jwt';
import { localRoutes } from './local-routes';

const TABLE_NAME = 'emergency-access-local';
const PRIMARY_REGION = 'local-primary';
const REPLICA_REGION = 'local-replica';

const say = (line = '') => process.stdout.write(`${line}\n`);

async function ensureTable(client: DynamoDBClient): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: TABLE_NAME }));
    return false;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  await client.send(new CreateTableCommand(createTableInput(TABLE_NAME)));
  return true;
}

interface FunctionModule {
  handler: LambdaHandler;
  createHandler?: (deps: UseCaseDependencies) => LambdaHandler;
}

/** Each route group's handler module, built around this region's dependencies where it takes them. */
function handlersFor(deps: UseCaseDependencies): (group: string) => LambdaHandler {
  const handlers = new Map<string, LambdaHandler>();
  return (group) => {
    let handler = handlers.get(group);
    if (handler === undefined) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require(`../functions/${group}`) as FunctionModule;
      handler = module.createHandler ? module.createHandler(deps) : module.handler;
      handlers.set(group, handler);
    }
    return handler;
  };
}

function banner(primary: string, replica: string, seconds: number, data: { dir: string; fresh: boolean }) {
  const rule = '-'.repeat(78);
  say(rule);
  say(`Emergency Access Tokencodes, local system: up in ${seconds.toFixed(1)} s`);
  say(rule);
  say(`  primary  (${PRIMARY_REGION})  ${primary}`);
  say(`  replica  (${REPLICA_REGION})  ${replica}`);
  say(`  OpenAPI                   ${primary}/v1/openapi.json`);
  say(`  token issuer              POST ${primary}/local/oauth2/token (client credentials)`);
  say(`  expiry sweep              POST ${primary}/local/sweep  {"now": "..."} optional`);
  say(
    `  data                      ${data.dir} ${data.fresh ? '(new: demo data loaded)' : '(kept from the last run)'}`,
  );
  say('');
  say('  OAuth clients (client_id / secret, scope):');
  for (const c of LOCAL_CLIENTS)
    say(`    ${c.clientId.padEnd(15)} ${c.secret.padEnd(22)} ${c.scope}  ${c.description}`);
  say('');
  say('  Demo users (token serial, kind, PIN, TOTP seed):');
  for (const u of DEMO_USERS) {
    say(
      `    ${u.userId.padEnd(6)} ${u.serial}  ${u.kind.padEnd(12)} ${(u.pin ?? '-').padEnd(5)} ${u.seed}  ${u.securityDomain}`,
    );
  }
  say('');
  say('  Try:  export EATCTL_CLIENT_ID=helpdesk EATCTL_CLIENT_SECRET=helpdesk-secret');
  say('        npm run eatctl -- search --last-name a');
  say('  Stop: Ctrl-C (the data is kept; `npm start -- --fresh` starts over with the demo data)');
  say(rule);
}

async function main(): Promise<void> {
  const started = performance.now();
  // Lambda runs a newer Node; here the SDK's notice about Node 20 would only be noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { values } = parseArgs({ options: { fresh: { type: 'boolean', default: false } } });
  const port = Number(process.env.PORT ?? 3000);
  const replicaPort = Number(process.env.REPLICA_PORT ?? 3001);
  const localDir = process.env.LOCAL_DATA_DIR ?? join(projectRoot(), '.local');
  const dataDir = join(localDir, 'dynamodb');
  mkdirSync(localDir, { recursive: true, mode: 0o700 });
  if (values.fresh) rmSync(dataDir, { recursive: true, force: true });

  say('Starting DynamoDB Local ...');
  const dynamoDb = await startDynamoDbLocal({ dbPath: dataDir });
  const keyFile = join(localDir, 'sealing.key');
  const key = await ensureLocalKeyFile(keyFile);
  if (key.created) say(`Created the local sealing key ${keyFile}`);

  Object.assign(process.env, {
    TABLE_NAME,
    REGION_NAME: PRIMARY_REGION,
    SEALER: 'local',
    LOCAL_KEY_FILE: keyFile,
    DYNAMODB_ENDPOINT: dynamoDb.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN',
    POWERTOOLS_SERVICE_NAME: 'emergency-access-local',
  });
  const { dependenciesFrom } = await import('../functions/dependencies');
  const { loadConfig } = await import('../functions/config');
  const primaryDeps = dependenciesFrom(loadConfig());
  const replicaDeps: UseCaseDependencies = { ...primaryDeps, regionName: REPLICA_REGION };

  const admin = new DynamoDBClient({ endpoint: dynamoDb.endpoint, region: 'us-east-1' });
  const tableCreated = await ensureTable(admin);
  const empty = (await primaryDeps.store.getSecurityDomain('SystemDomain')) === null;
  if (empty) {
    say('Loading the demo data ...');
    await loadDemoData(primaryDeps, (step) => say(`  ${step}`));
  }

  const issuer: LocalIssuer = await createLocalIssuer(
    join(localDir, 'jwt-signing-key.json'),
    `http://127.0.0.1:${port}/local`,
  );
  const gateways: FastifyInstance[] = [];
  const sweeps: (() => void)[] = [];
  for (const [regionName, deps, regionPort] of [
    [PRIMARY_REGION, primaryDeps, port],
    [REPLICA_REGION, replicaDeps, replicaPort],
  ] as const) {
    const local = localRoutes({ deps, issuer, clients: LOCAL_CLIENTS });
    const gateway = createGateway({
      regionName,
      routes: ALL_ROUTES,
      handlerOf: handlersFor(deps),
      issuer,
      extend: local.register,
    });
    await gateway.listen({ port: regionPort, host: '127.0.0.1' });
    gateways.push(gateway);
    sweeps.push(local.startSweepTimer(Number(process.env.SWEEP_INTERVAL_SECONDS ?? 300)));
  }
  banner(
    `http://127.0.0.1:${port}`,
    `http://127.0.0.1:${replicaPort}`,
    (performance.now() - started) / 1000,
    { dir: dataDir, fresh: tableCreated || empty },
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping ...`);
    for (const cancel of sweeps) cancel();
    await Promise.all(gateways.map((g) => g.close()));
    admin.destroy();
    await dynamoDb.stop();
    say(`Stopped. The data is in ${dataDir}.`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
