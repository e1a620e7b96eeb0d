/**
 * Each route as a client meets it: through the local gateway (the same event and authorizer rules as API
 * Gateway), into the function's real handler, over DynamoDB Local holding the demo data and generated
 * tokens, with the local sealer and pepper standing in for KMS. Per route: DynamoDB and KMS calls and round
 * trips (one request at a time), the handler's CPU per request, and latency at 8 concurrent requests;
 * for reads, against the same DynamoDB calls sent raw (bareReplay), 8 at a time, in the same run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { FastifyInstance } from 'fastify';
import { ALL_ROUTES } from '../functions/api/contract/routes';
import { DynamoDbClientBudget } from '../shared/adapters/dynamodb/dynamodb-client-budget';
import { DynamoDbTokenStore } from '../shared/adapters/dynamodb/dynamodb-token-store';
import { SK, tokenPk } from '../shared/adapters/dynamodb/keys';
import { LocalPepper } from '../shared/adapters/pepper';
import { ensureLocalKeyFile, LocalSealer } from '../shared/adapters/sealing';
import { totp } from '../shared/domain/totp';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import { LOCAL_CLIENTS } from '../local/clients';
import { DEMO_USERS, loadDemoData } from '../local/demo-data';
import { DUMMY_CREDENTIALS } from '../local/engines';
import { createGateway, type LambdaHandler } from '../local/gateway';
import { routeHandlersOf } from '../functions/registry';
import { createLocalIssuer } from '../local/jwt';
import { bareReplay, CallCounter } from './calls';
import {
  createTable,
  GENERATED_PIN,
  GENERATED_SEED,
  SEARCHED_LAST_NAME,
  seedUsers,
  uniqueTableName,
} from './population';
import { summarize, type Summary } from './stats';
import { PRODUCTION_KDF_COST } from '../shared/domain/verifier';

export const CONCURRENCY = 8;

export interface RouteRequest {
  method: 'GET' | 'POST';
  url: string;
  client: string;
  body?: unknown;
}

export interface RouteFigures {
  route: string;
  status: number;
  /** A login's outcome (accept, reject), null for the other routes. */
  outcome: string | null;
  dynamoDbCalls: number;
  kmsCalls: number;
  byOperation: Record<string, number>;
  roundTrips: number;
  /** The handler's CPU time (user + system, all threads) per request, ms. */
  cpuMs: Summary;
  /** Latency of one request among 8 concurrent, ms. */
  latencyMs: Summary;
  latencySamples: number[];
  /** Requests completed per second at 8 concurrent. */
  throughputPerSecond: number;
  /**
   * The same DynamoDB calls the request made, sent raw with the SDK in the same waves, 8 replays at a time
   * (as many as the concurrent requests): the request's bare I/O. Measured for the read routes.
   */
  bareIoMs?: Summary;
  bareIoSamples?: number[];
  /** latencyMs.median / bareIoMs.median. */
  overBareIo?: number;
}

export interface Bench {
  client: DynamoDBClient;
  /** A client without the bench's middleware, for bare calls. */
  rawClient: DynamoDBClient;
  tableName: string;
  counter: CallCounter;
  deps: UseCaseDependencies;
  gateway: FastifyInstance;
  bearer(clientId: string): Promise<string>;
  lastCpuMs: () => number;
}

/**
 * A table with the demo data and `tokens` generated users (their profile items too unless `users` is
 * false), and the gateway in front of the functions.
 */
export async function startBench(endpoint: string, tokens: number, users = true): Promise<Bench> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: DUMMY_CREDENTIALS });
  const tableName = uniqueTableName('routes');
  await createTable(client, tableName);
  const dir = mkdtempSync(join(tmpdir(), 'eat-bench-keys-'));
  const keyFile = join(dir, 'sealing.key');
  await ensureLocalKeyFile(keyFile);
  const counter = new CallCounter();
  const sealer = counter.sealer(await LocalSealer.fromKeyFile(keyFile));
  const pepper = counter.pepper(await LocalPepper.fromKeyFile(join(dir, 'pepper.key'), true));
  // The handler modules configure themselves at load, as at a cold start; the bench hands them its own deps.
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    SEALER: 'local',
    LOCAL_KEY_FILE: keyFile,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    REGION_NAME: 'bench',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_SERVICE_NAME: 'emergency-access-bench',
  });
  const deps: UseCaseDependencies = {
    store: new DynamoDbTokenStore(client, { tableName }),
    sealer,
    pepper,
    clock: () => new Date(),
    regionName: 'bench',
    policyCaps: { maxEmergencyCodeLifetimeDays: 90 },
    kdf: PRODUCTION_KDF_COST,
    clientBudget: new DynamoDbClientBudget(client, {
      tableName,
      regionName: 'bench',
      limit: 1_000_000,
      windowSeconds: 60,
    }),
  };
  await loadDemoData(deps);
  await seedUsers(client, tableName, sealer, { count: tokens, users });
  counter.attach(client);

  let lastCpuMs = 0;
  const routeHandlers = routeHandlersOf(deps);
  const handlerOf = (group: string): LambdaHandler => {
    const inner = routeHandlers(group);
    return async (event, context) => {
      const before = process.cpuUsage();
      try {
        return await inner(event, context);
      } finally {
        const used = process.cpuUsage(before);
        lastCpuMs = (used.user + used.system) / 1000;
      }
    };
  };
  const issuer = await createLocalIssuer(join(dir, 'jwt.json'), 'http://127.0.0.1/local');
  const gateway = createGateway({ regionName: 'bench', routes: ALL_ROUTES, handlerOf, issuer });
  const bearers = new Map<string, string>();
  return {
    client,
    rawClient: new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: DUMMY_CREDENTIALS }),
    tableName,
    counter,
    deps,
    gateway,
    lastCpuMs: () => lastCpuMs,
    bearer: async (clientId) => {
      let token = bearers.get(clientId);
      if (token === undefined) {
        const local = LOCAL_CLIENTS.find((c) => c.clientId === clientId)!;
        token = (await issuer.issue(local)).access_token;
        bearers.set(clientId, token);
      }
      return token;
    },
  };
}

async function send(
  bench: Bench,
  request: RouteRequest,
): Promise<{ status: number; outcome: string | null }> {
  const reply = await bench.gateway.inject({
    method: request.method,
    url: request.url,
    headers: {
      authorization: `Bearer ${await bench.bearer(request.client)}`,
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(request.body === undefined ? {} : { payload: JSON.stringify(request.body) }),
  });
  const body = reply.body === '' ? {} : (JSON.parse(reply.body) as { outcome?: string });
  return { status: reply.statusCode, outcome: body.outcome ?? null };
}

/** `count` tasks, `concurrency` at a time; each one's latency in ms, and the whole run's seconds. */
export async function concurrently(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await task(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - start) / 1000 };
}

/**
 * One route: `sequential` requests one at a time (calls, round trips, CPU), then `concurrent` requests 8 at
 * a time (latency); with `bare`, then the last sequential request's DynamoDB calls replayed raw as many
 * times, 8 at a time. `requestOf(i)` gives the i-th request; each is used once.
 */
export async function measureRoute(
  bench: Bench,
  route: string,
  requestOf: (i: number) => RouteRequest,
  sequential: number,
  concurrent: number,
  bare = false,
): Promise<RouteFigures> {
  await send(bench, requestOf(0)); // warm: the handler module loaded, the JIT past its first run
  const cpu: number[] = [];
  let reply = { status: 0, outcome: null as string | null };
  let calls = { byOperation: {} as Record<string, number>, roundTrips: 0, dynamoDb: 0, kms: 0 };
  for (let i = 1; i <= sequential; i++) {
    bench.counter.reset();
    reply = await send(bench, requestOf(i));
    cpu.push(bench.lastCpuMs());
    const c = bench.counter;
    calls = {
      byOperation: { ...c.byOperation },
      roundTrips: c.roundTrips,
      dynamoDb: c.dynamoDbCalls,
      kms: c.kmsCalls,
    };
  }
  // A copy: the concurrent requests below record into the counter too.
  const recorded = [...bench.counter.recorded];
  const run = await concurrently(concurrent, CONCURRENCY, (i) => send(bench, requestOf(sequential + 1 + i)));
  const latencyMs = summarize(run.latencies);
  let bareIo: Pick<RouteFigures, 'bareIoMs' | 'bareIoSamples' | 'overBareIo'> = {};
  if (bare) {
    const replay = bareReplay(bench.rawClient, recorded);
    await replay();
    const bareRun = await concurrently(concurrent, CONCURRENCY, replay);
    const bareIoMs = summarize(bareRun.latencies);
    bareIo = {
      bareIoMs,
      bareIoSamples: bareRun.latencies.map((v) => Number(v.toFixed(2))),
      overBareIo: Number((latencyMs.median / bareIoMs.median).toFixed(2)),
    };
  }
  return {
    route,
    ...reply,
    dynamoDbCalls: calls.dynamoDb,
    kmsCalls: calls.kms,
    byOperation: calls.byOperation,
    roundTrips: calls.roundTrips,
    cpuMs: summarize(cpu),
    latencyMs,
    latencySamples: run.latencies.map((v) => Number(v.toFixed(2))),
    throughputPerSecond: concurrent / run.seconds,
    ...bareIo,
  };
}

/** One GetItem of a token's item, 8 at a time: the bare I/O a request is compared with. */
export async function bareGetItem(bench: Bench, count: number): Promise<Summary & { samples: number[] }> {
  const key = { pk: { S: tokenPk(DEMO_USERS[0].serial) }, sk: { S: SK.token } };
  const get = () => bench.rawClient.send(new GetItemCommand({ TableName: bench.tableName, Key: key }));
  await get();
  const run = await concurrently(count, CONCURRENCY, get);
  return { ...summarize(run.latencies), samples: run.latencies.map((v) => Number(v.toFixed(2))) };
}

/** A generated user's passcode now: PIN then tokencode. */
export const generatedPasscode = (): string => `${GENERATED_PIN}${totp(GENERATED_SEED, new Date())}`;

export const searchRequest = (): RouteRequest => ({
  method: 'GET',
  url: `/v1/tokens?lastName=${SEARCHED_LAST_NAME}&limit=25`,
  client: 'helpdesk',
});

export interface RouteRun {
  tokens: number;
  bareGetItemMs: Summary & { samples: number[] };
  routes: RouteFigures[];
}

export async function measureRoutes(
  endpoint: string,
  options: { tokens: number; sequential: number; concurrent: number; loginConcurrent: number },
): Promise<RouteRun> {
  const bench = await startBench(endpoint, options.tokens);
  // Each login is a user's first of the day: a user of its own, never logged in before, in the domain that
  // allows offline authentication (so that the offline agent is sent its offline data).
  const loginsEach = 1 + options.sequential + options.loginConcurrent;
  // Their PINs are peppered, as every PIN set through the API is.
  const logins = await seedUsers(bench.client, bench.tableName, bench.deps.sealer, {
    count: 2 * loginsEach,
    prefix: 'l',
    domains: ['SystemDomain'],
    pepper: bench.deps.pepper,
  });
  bench.counter.reset();
  const login =
    (agent: string, offset: number) =>
    (i: number): RouteRequest => ({
      method: 'POST',
      url: '/v1/agent/authenticate',
      client: agent,
      body: { userId: logins[offset + i]!.userId, passcode: generatedPasscode() },
    });
  const alice = DEMO_USERS[0];
  const routes: RouteFigures[] = [];
  routes.push(
    await measureRoute(
      bench,
      'search by last name (page of 25, all domains)',
      searchRequest,
      options.sequential,
      options.concurrent,
      true,
    ),
  );
  routes.push(
    await measureRoute(
      bench,
      'view',
      () => ({ method: 'GET', url: `/v1/tokens/${alice.serial}/emergency-access`, client: 'helpdesk' }),
      options.sequential,
      options.concurrent,
      true,
    ),
  );
  routes.push(
    await measureRoute(
      bench,
      'login, offline agent (first of the day)',
      login('win-agent-1', 0),
      options.sequential,
      options.loginConcurrent,
    ),
  );
  routes.push(
    await measureRoute(
      bench,
      'login, web agent',
      login('web-agent', loginsEach),
      options.sequential,
      options.loginConcurrent,
    ),
  );
  routes.push(
    await measureRoute(
      bench,
      'login, unknown user',
      () => ({
        method: 'POST',
        url: '/v1/agent/authenticate',
        client: 'web-agent',
        body: { userId: 'nobody-here', passcode: generatedPasscode() },
      }),
      options.sequential,
      options.loginConcurrent,
    ),
  );
  const bareGetItemMs = await bareGetItem(bench, Math.max(options.concurrent, 40));
  await closeBench(bench);
  return { tokens: options.tokens, bareGetItemMs, routes };
}

export async function closeBench(bench: Bench): Promise<void> {
  await bench.gateway.close();
  bench.client.destroy();
  bench.rawClient.destroy();
}
