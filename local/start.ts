/**
 * `npm start`: the whole product on this machine, no cloud account. DynamoDB Local keeps its data in
 * .local/dynamodb (git ignores .local), the local sealing key and JWT signing key are created on first
 * start. The primary and the replica each have their own table, replicated both ways by the local
 * replicator (last writer wins per item, after REPLICATION_DELAY_MS), as a global table's regions are; a
 * gateway per region serves the API over its own table. The demo data is loaded into an empty primary and
 * replicated. Each region's audit outbox materializer appends the audit events that changed items carry.
 * `npm start -- --fresh` starts over: empty tables, then the demo data.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { FastifyInstance } from 'fastify';
import { ALL_ROUTES } from '../functions/api/contract/routes';
import { routeHandlersOf } from '../functions/registry';
import { DynamoDbClientBudget } from '../shared/adapters/dynamodb/dynamodb-client-budget';
import { DynamoDbTokenStore } from '../shared/adapters/dynamodb/dynamodb-token-store';
import { ensureLocalKeyFile } from '../shared/adapters/sealing';
import { createTableInput } from '../shared/adapters/dynamodb/table-schema';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import { allowConsoleOrigins, loopbackOrigins, serveConsole } from './console';
import { startDynamoDbLocal } from './engines';
import { LOCAL_CLIENTS, LOCAL_USERS } from './clients';
import { DEMO_USERS, loadDemoData, otpauthUriOf } from './demo-data';
import {
  assertPortsFree,
  localDataDir,
  removeLocalEndpoints,
  writeLocalEndpoints,
  type LocalEndpoints,
} from './endpoints';
import { createGateway } from './gateway';
import { createLocalIssuer, type LocalIssuer } from './jwt';
import { localRoutes, type LocalReplication } from './local-routes';
import { LocalAuditMaterializer } from './audit-materializer';
import { LocalAuditTrail } from './audit-trail';
import { DynamoDbAuditChainStore } from '../shared/adapters/dynamodb/dynamodb-audit-chain';
import { LocalEventPublisher } from './identity-events';
import { DynamoDbReplicaReader } from '../shared/adapters/dynamodb/dynamodb-replica-reader';
import { DEFAULT_REPLICATION_DELAY_MS, Replicator, type ReplicationEvent } from './replicator';

const TABLE_NAME = 'emergency-access-local';
const REPLICA_TABLE_NAME = 'emergency-access-local-replica';
const PRIMARY_REGION = 'local-primary';
const REPLICA_REGION = 'local-replica';

const say = (line = '') => process.stdout.write(`${line}\n`);

async function ensureTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return false;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  return true;
}

/** A new replica of a table that has data starts as a copy of it, as a global table's new replica does. */
async function copyTable(client: DynamoDBClient, from: string, to: string): Promise<number> {
  let copied = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: from, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) {
      await client.send(new PutItemCommand({ TableName: to, Item: item }));
      copied += 1;
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return copied;
}

/** One line per replication event, keys only: items hold sealed secrets and verifiers. */
function replicationLine(e: ReplicationEvent): string {
  const what = e.kind === 'applied' ? 'replicated' : 'superseded (a later write won)';
  return `replication: ${e.from} -> ${e.to}  ${e.pk} ${e.sk}  ${what}`;
}

function banner(
  { primary, replica }: LocalEndpoints,
  seconds: number,
  data: { dir: string; fresh: boolean; endpointsFile: string },
  delayMs: number,
) {
  const rule = '-'.repeat(78);
  say(rule);
  say(`Emergency Access Tokencodes, local system: up in ${seconds.toFixed(1)} s`);
  say(rule);
  say(`  primary  (${PRIMARY_REGION})  ${primary}`);
  say(`  replica  (${REPLICA_REGION})  ${replica}`);
  say(
    `  replication               both ways, last writer wins per item, after ${delayMs} ms (REPLICATION_DELAY_MS)`,
  );
  say(`                            the replica is a real replica: its own table, ${REPLICA_TABLE_NAME}`);
  say(`                            watch: GET ${primary}/local/replication, and one line per item below`);
  say(`                            partition: POST ${primary}/local/replication/hold (then .../release)`);
  say(`  console                   ${primary}/console/  (sign in as jane.admin or sam.sales, below)`);
  say(`  OpenAPI                   ${primary}/v1/openapi.json`);
  say(`  token issuer              POST ${primary}/local/oauth2/token (client credentials, PKCE code)`);
  say(`  sign-in (PKCE)            POST ${primary}/local/oauth2/authorize (eatctl --user/--password)`);
  say(`  expiry sweep              POST ${primary}/local/sweep  {"now": "..."} optional`);
  say(
    `  identity events           one "event:" line each below; POSTed to ${process.env.EAT_EVENTS_WEBHOOK?.trim() || 'EAT_EVENTS_WEBHOOK if set'}`,
  );
  say(
    `  data                      ${data.dir} ${data.fresh ? '(new: demo data loaded)' : '(kept from the last run)'}`,
  );
  say(`  endpoints file            ${data.endpointsFile} (eatctl reads it; removed at Ctrl-C)`);
  say('');
  say('  OAuth clients (client_id / secret, scope):');
  for (const c of LOCAL_CLIENTS)
    say(`    ${c.clientId.padEnd(15)} ${c.secret.padEnd(22)} ${c.scope}  ${c.description}`);
  say('');
  say('  Administrators (username / password, domains), signed in by eatctl --user --password:');
  for (const u of LOCAL_USERS)
    say(
      `    ${u.username.padEnd(15)} ${u.password.padEnd(22)} ${u.domains.join(',').padEnd(9)}  ${u.description}`,
    );
  say('');
  say('  Demo users (token serial, kind, PIN, TOTP seed: SHA-1, 6 digits, 60 s steps):');
  for (const u of DEMO_USERS) {
    say(
      `    ${u.userId.padEnd(6)} ${u.serial}  ${u.kind.padEnd(12)} ${(u.pin ?? '-').padEnd(5)} ${u.seed}  ${u.securityDomain}`,
    );
  }
  say('  Their current tokencode: npm run eatctl -- totp alice (or a serial); in an authenticator app');
  say('  (period=60: an app that assumes 30 s gives codes the service refuses):');
  for (const u of DEMO_USERS) say(`    ${otpauthUriOf(u)}`);
  say('');
  say('  Try:  export EATCTL_USER=jane.admin EATCTL_PASSWORD=jane-password');
  say('        npm run eatctl -- search --last-name a');
  say(`        npm run eatctl -- search --last-name a --endpoint ${replica}   # the replica`);
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
  // Before any work: a busy port found after loading the demo data would cost a newcomer a minute.
  await assertPortsFree([
    { name: 'primary', port, variable: 'PORT' },
    { name: 'replica', port: replicaPort, variable: 'REPLICA_PORT' },
  ]);
  const localDir = localDataDir();
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
    // No X-Ray here, and the metrics would only print to the terminal.
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const { dependenciesFrom } = await import('../functions/dependencies');
  const { loadConfig } = await import('../functions/config');
  const admin = new DynamoDBClient({ endpoint: dynamoDb.endpoint, region: 'us-east-1' });
  // The regions' view of a change reads both regions' tables, as the deployed function reads each replica.
  const replicas = new DynamoDbReplicaReader([
    { region: PRIMARY_REGION, client: admin, tableName: TABLE_NAME },
    { region: REPLICA_REGION, client: admin, tableName: REPLICA_TABLE_NAME },
  ]);
  const primaryDeps: UseCaseDependencies = { ...dependenciesFrom(loadConfig()), replicas };
  const replicaDeps: UseCaseDependencies = {
    ...primaryDeps,
    store: new DynamoDbTokenStore(admin, { tableName: REPLICA_TABLE_NAME }),
    auditChain: new DynamoDbAuditChainStore(admin, REPLICA_TABLE_NAME),
    regionName: REPLICA_REGION,
    // The replica counts its agents' requests in its own table, as a deployed region does.
    clientBudget: new DynamoDbClientBudget(admin, {
      tableName: REPLICA_TABLE_NAME,
      regionName: REPLICA_REGION,
      limit: loadConfig().agentRequestsPerMinute,
      windowSeconds: 60,
    }),
  };

  const tableCreated = await ensureTable(admin, TABLE_NAME);
  if ((await ensureTable(admin, REPLICA_TABLE_NAME)) && !tableCreated) {
    const copied = await copyTable(admin, TABLE_NAME, REPLICA_TABLE_NAME);
    say(`Created the replica's table ${REPLICA_TABLE_NAME} from the primary's (${copied} items)`);
  }
  const delayMs = Number(process.env.REPLICATION_DELAY_MS ?? DEFAULT_REPLICATION_DELAY_MS);
  let quiet = false;
  const replicator = await Replicator.start({
    regions: [
      { name: PRIMARY_REGION, client: admin, tableName: TABLE_NAME },
      { name: REPLICA_REGION, client: admin, tableName: REPLICA_TABLE_NAME },
    ],
    delayMs,
    onEvent: (event) => {
      if (!quiet) say(replicationLine(event));
    },
  });
  // Each region's audit outbox materializer, as the deployed stream-triggered function (audit-outbox.ts).
  const materializers = await Promise.all(
    (
      [
        [PRIMARY_REGION, TABLE_NAME],
        [REPLICA_REGION, REPLICA_TABLE_NAME],
      ] as const
    ).map(async ([regionName, tableName]) =>
      (await LocalAuditMaterializer.open({ client: admin, tableName, regionName })).start(),
    ),
  );
  // Each region's identity events (functions/audit-trail.ts deployed): printed, and POSTed to
  // EAT_EVENTS_WEBHOOK if set; from now on, so a restart does not tell the same acts again.
  const webhookUrl = process.env.EAT_EVENTS_WEBHOOK?.trim() || undefined;
  const auditTrails = await Promise.all(
    (
      [
        [PRIMARY_REGION, TABLE_NAME],
        [REPLICA_REGION, REPLICA_TABLE_NAME],
      ] as const
    ).map(async ([regionName, tableName]) =>
      (
        await LocalAuditTrail.open({
          client: admin,
          tableName,
          regionName,
          from: 'now',
          publisher: new LocalEventPublisher({ print: (line) => say(line), webhookUrl }),
        })
      ).start(),
    ),
  );
  const replication: LocalReplication = {
    replicator,
    regions: [PRIMARY_REGION, REPLICA_REGION],
    delayMs,
  };

  const empty = (await primaryDeps.store.getSecurityDomain('SystemDomain')) === null;
  if (empty) {
    say('Loading the demo data ...');
    quiet = true;
    await loadDemoData(primaryDeps, (step) => say(`  ${step}`));
    await replicator.settle();
    quiet = false;
    say(`  replicated to ${REPLICA_REGION}: ${replicator.stats().applied} items`);
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
    const local = localRoutes({ deps, issuer, clients: LOCAL_CLIENTS, users: LOCAL_USERS, replication });
    const gateway = createGateway({
      regionName,
      routes: ALL_ROUTES,
      handlerOf: routeHandlersOf(deps),
      issuer,
      extend: local.register,
    });
    // The console is served by the primary and calls either region.
    allowConsoleOrigins(gateway, loopbackOrigins(port));
    if (regionName === PRIMARY_REGION) {
      serveConsole(gateway, {
        port,
        regions: [
          { name: PRIMARY_REGION, port },
          { name: REPLICA_REGION, port: replicaPort },
        ],
      });
    }
    await gateway.listen({ port: regionPort, host: '127.0.0.1' });
    gateways.push(gateway);
    sweeps.push(local.startSweepTimer(Number(process.env.SWEEP_INTERVAL_SECONDS ?? 300)));
  }
  const endpoints = { primary: `http://127.0.0.1:${port}`, replica: `http://127.0.0.1:${replicaPort}` };
  const endpointsFile = writeLocalEndpoints(localDir, endpoints);
  banner(
    endpoints,
    (performance.now() - started) / 1000,
    { dir: dataDir, fresh: tableCreated || empty, endpointsFile },
    delayMs,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping ...`);
    for (const cancel of sweeps) cancel();
    await Promise.all(gateways.map((g) => g.close()));
    removeLocalEndpoints(localDir);
    // What was written last reaches the other region before the engine stops (a partition heals first).
    replicator.release();
    await replicator.settle(10_000).catch(() => say('Replication did not settle: the regions may differ.'));
    await replicator.stop();
    for (const materializer of materializers) {
      await materializer.drain().catch(() => say('Some audit events are still in their outbox.'));
      await materializer.stop();
    }
    for (const trail of auditTrails) {
      await trail.drain().catch(() => say('Some identity events were not delivered.'));
      await trail.stop();
    }
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
