/**
 * `npm run bench`: every figure of the performance table in one run on this machine: the functions'
 * bundles and their cold load, each route's calls, CPU and latency over DynamoDB Local, search as the table
 * grows, and the older benchmarks (KDF, offline data, sweep, replication) as sections.
 *
 *   npm run bench                      everything, full repetitions and sizes
 *   npm run bench -- --quick           fewer repetitions, smaller tables (under two minutes)
 *   npm run bench -- --only routes     some sections (comma-separated): SECTIONS below
 *
 * Prints the table (figure, now, goal, met?), writes bench/results/latest.json (the machine, every figure
 * with its repetitions and spread) and the SVG charts next to it. Nothing here passes or fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { bundlingOptions, SOURCE_MAP_NODE_OPTIONS } from '../infra/constructs/service-function';
import { functionCatalog, PROJECT_ROOT } from '../infra/function-catalog';
import { startDynamoDbLocal, type EngineHandle } from '../local/engines';
import {
  bundle,
  DEPLOYED_ENV,
  floorSource,
  GROUPS,
  HELLO_WORLD_SOURCE,
  measureLoads,
  newOutRoot,
  sdkClientsOf,
  type BuiltBundle,
  type LoadSubject,
} from './bundles';
import { kib, markdownTable, mib, ms, range, times, type Row } from './report';
import {
  measureRoute,
  measureRoutes,
  searchRequest,
  startBench,
  type RouteFigures,
  type RouteRun,
} from './routes';
import { round, rounded, type Summary } from './stats';
import { distributionChart, lineChart, stackedBarChart } from './svg';

export const SECTIONS = [
  'bundles',
  'routes',
  'scaling',
  'kdf',
  'offline-data',
  'sweep',
  'replication',
] as const;
type Section = (typeof SECTIONS)[number];

const RESULTS = join(PROJECT_ROOT, 'bench', 'results');
/**
 * The deployment's default (infra/config.ts: sourceMaps defaults to false since issue 16). The bundles are
 * built with their maps all the same, to load each both ways in the same run: as deployed now, and as it
 * was (the map in the zip, read at start).
 */
const DEPLOYED_SOURCE_MAPS = false;
const FLOOR_SLACK_BYTES = 50 * 1024;
const LOAD_GOAL = 1.1;
const CPU_GOAL_MS = 150;

const say = (line: string) => process.stdout.write(`${line}\n`);

/** What bench/kdf.ts returns. */
interface KdfSection {
  medianMs: number;
  loginKdfCpuMs?: Record<'before' | 'after', { webAgent: number; offlineAgent: number }>;
}

interface BundleFigures {
  name: string;
  bytes: number;
  mapBytes: number;
  mapBytesBefore: number;
  sdkClients: string[];
  floorBytes: number;
  byGroup: Record<string, number>;
  byPackage: Record<string, number>;
  /** Load time in a fresh Node, ms: as deployed, and with its source map read at start (before issue 16). */
  loadDeployedMs: Summary;
  loadWithMapMs: Summary;
  /** Medians divided by `node -e 0`'s and by the floor bundle's (hello world without SDK clients), as deployed. */
  loadOverEmptyNode: number;
  loadOverEmptyNodeWithMap: number;
  loadOverFloor: number;
}

async function bundleSection(quick: boolean) {
  const root = newOutRoot();
  const deployed = bundlingOptions(true);
  const built: BuiltBundle[] = [];
  for (const spec of functionCatalog().all) {
    built.push(await bundle(spec.name, deployed, { entry: spec.entry }, root));
  }
  const floors = new Map<string, BuiltBundle>();
  for (const b of built) {
    const clients = sdkClientsOf(b.composition);
    const key = clients.join('+') || 'none';
    if (!floors.has(key) && clients.length > 0) {
      floors.set(
        key,
        await bundle(
          `floor-${key.replace(/@aws-sdk\/client-/g, '')}`,
          deployed,
          { source: floorSource(clients), resolveDir: PROJECT_ROOT },
          root,
        ),
      );
    }
  }
  const hello = await bundle(
    'hello-world',
    deployed,
    { source: HELLO_WORLD_SOURCE, resolveDir: PROJECT_ROOT },
    root,
  );
  say(`bundles: ${built.length} functions, ${floors.size} floors built in ${root}`);

  const withMap = (b: BuiltBundle): LoadSubject => ({
    name: `${b.name} (map read at start)`,
    args: [b.file],
    env: { ...DEPLOYED_ENV, NODE_OPTIONS: SOURCE_MAP_NODE_OPTIONS },
  });
  const asDeployed = (b: BuiltBundle): LoadSubject =>
    DEPLOYED_SOURCE_MAPS ? withMap(b) : { name: `${b.name} (deployed)`, args: [b.file], env: DEPLOYED_ENV };
  const empty: LoadSubject = { name: 'node -e 0', args: ['-e', '0'], env: {} };
  const everything = [...built, ...floors.values(), hello];
  const loads = measureLoads(
    [empty, ...everything.map(asDeployed), ...(DEPLOYED_SOURCE_MAPS ? [] : built.map(withMap))],
    quick ? 3 : 15,
  );
  const emptyMs = loads.get(empty.name)!.median;
  const floorOf = (b: BuiltBundle) => floors.get(sdkClientsOf(b.composition).join('+'));
  const figures: BundleFigures[] = built.map((b) => {
    const deployedMs = loads.get(asDeployed(b).name)!;
    const floor = floorOf(b);
    const floorMs = loads.get(asDeployed(floor ?? hello).name)!.median;
    return {
      name: b.name,
      bytes: b.bytes,
      mapBytes: DEPLOYED_SOURCE_MAPS ? b.mapBytes : 0,
      mapBytesBefore: b.mapBytes,
      sdkClients: sdkClientsOf(b.composition),
      floorBytes: floor?.bytes ?? 0,
      byGroup: b.composition.byGroup,
      byPackage: b.composition.byPackage,
      loadDeployedMs: rounded(deployedMs),
      loadWithMapMs: rounded(loads.get(withMap(b).name)!),
      loadOverEmptyNode: round(deployedMs.median / emptyMs),
      loadOverEmptyNodeWithMap: round(loads.get(withMap(b).name)!.median / emptyMs),
      loadOverFloor: round(deployedMs.median / floorMs),
    };
  });
  const reference = (b: BuiltBundle) => ({
    name: b.name,
    bytes: b.bytes,
    byGroup: b.composition.byGroup,
    loadDeployedMs: rounded(loads.get(asDeployed(b).name)!),
    loadOverEmptyNode: round(loads.get(asDeployed(b).name)!.median / emptyMs),
  });
  return {
    repetitions: quick ? 3 : 15,
    emptyNodeMs: rounded(loads.get(empty.name)!),
    functions: figures,
    floors: [...floors.values()].map(reference),
    helloWorld: reference(hello),
  };
}
type BundleSection = Awaited<ReturnType<typeof bundleSection>>;

async function scalingSection(endpoint: string, quick: boolean) {
  const sizes = quick ? [1_000] : [1_000, 10_000, 100_000];
  const points: { tokens: number; seedSeconds: number; search: RouteFigures }[] = [];
  for (const tokens of sizes) {
    const start = performance.now();
    const bench = await startBench(endpoint, tokens);
    const seedSeconds = round((performance.now() - start) / 1000);
    const search = await measureRoute(bench, 'search', searchRequest, quick ? 2 : 10, quick ? 8 : 80);
    await bench.gateway.close();
    bench.client.destroy();
    say(
      `scaling: ${tokens} tokens: search p50 ${ms(search.latencyMs.median)}, ${search.dynamoDbCalls} DynamoDB calls`,
    );
    points.push({
      tokens,
      seedSeconds,
      search: { ...search, latencyMs: rounded(search.latencyMs), cpuMs: rounded(search.cpuMs) },
    });
  }
  return { points };
}
type ScalingSection = Awaited<ReturnType<typeof scalingSection>>;

/** The older benchmarks, each in its own module; their sizes come from the environment they read. */
async function legacySection(
  section: Section,
  quick: boolean,
  endpoint: string | undefined,
): Promise<unknown> {
  if (quick) {
    process.env.RUNS ??= '5';
    process.env.SIZES ??= '2000';
    process.env.CONCURRENCY ??= '8';
    process.env.BURST ??= '100';
  }
  if (endpoint !== undefined) process.env.DYNAMODB_ENDPOINT ??= endpoint;
  const modules: Record<string, () => Promise<{ run(): Promise<unknown> }>> = {
    kdf: () => import('./kdf'),
    'offline-data': () => import('./offline-data'),
    sweep: () => import('./sweep'),
    replication: () => import('./replication'),
  };
  return (await modules[section]!()).run();
}

function tableRows(results: {
  bundles?: BundleSection;
  routes?: RouteRun;
  scaling?: ScalingSection;
  kdf?: KdfSection;
}): Row[] {
  const rows: Row[] = [];
  const { bundles, routes, scaling, kdf } = results;
  if (bundles) {
    const fns = bundles.functions;
    const openapi = fns.find((f) => f.name === 'openapi');
    const zod = fns.map((f) => f.byGroup.zod ?? 0);
    const floor = bundles.floors.find((f) => f.name.includes('dynamodb+kms')) ?? bundles.floors[0];
    rows.push({
      figure: 'function bundle',
      now:
        `${range(
          fns.map((f) => f.bytes),
          kib,
        )} minified` +
        (openapi ? ` (openapi ${kib(openapi.bytes)})` : '') +
        `, of which zod ${range(zod, kib)}; source maps ${
          DEPLOYED_SOURCE_MAPS
            ? range(
                fns.map((f) => f.mapBytes),
                mib,
              ) + ' more'
            : 'no longer'
        } in each zip (before: ${range(
          fns.map((f) => f.mapBytesBefore),
          mib,
        )} more)`,
      goal: `each at most the SDK clients it uses plus 50 KiB (DynamoDB + KMS clients alone: ${floor ? kib(floor.bytes) : '?'})`,
      met: fns.every((f) => f.bytes <= f.floorBytes + FLOOR_SLACK_BYTES),
    });
    const sdkFloor = bundles.floors.find((f) => f.name.includes('dynamodb+kms'));
    rows.push({
      figure: 'loading a bundle in a fresh Node, divided by an empty `node -e 0`',
      now:
        `before (map read at start) ${range(
          fns.map((f) => f.loadOverEmptyNodeWithMap),
          times,
        )}, now ` +
        `${range(
          fns.map((f) => f.loadOverEmptyNode),
          times,
        )} as deployed` +
        `; hello world ${times(bundles.helloWorld.loadOverEmptyNode)}` +
        (sdkFloor ? `; the SDK clients alone (DynamoDB + KMS) ${times(sdkFloor.loadOverEmptyNode)}` : '') +
        `; as deployed over the floor: ${range(
          fns.map((f) => f.loadOverFloor),
          times,
        )}`,
      goal: `within ${LOAD_GOAL}x of a bundle holding only the SDK clients it uses (same run), as deployed`,
      met: fns.every((f) => f.loadOverFloor <= LOAD_GOAL),
    });
  }
  if (routes) {
    const bare = routes.bareGetItemMs.median;
    const io = (r: RouteFigures) =>
      `${r.dynamoDbCalls} DynamoDB + ${r.kmsCalls} KMS calls in ${r.roundTrips} round trips`;
    const byName = (prefix: string) => routes.routes.find((r) => r.route.startsWith(prefix))!;
    for (const [figure, route] of [
      ['search by last name, a page of 25, all-domains administrator', byName('search')],
      ['view', byName('view')],
    ] as const) {
      rows.push({
        figure,
        now: `${io(route)}, ${ms(route.latencyMs.median)} p50 (p90 ${ms(route.latencyMs.p90)}) at 8 concurrent, against ${ms(bare)} for one bare GetItem`,
        goal: 'at most 3 round trips whatever the page size and the number of domains, within 2x of their bare I/O',
        met: route.roundTrips <= 3 && route.latencyMs.median <= 2 * route.roundTrips * bare,
      });
    }
    for (const [figure, route] of [
      ['online login through an offline agent, first of the day', byName('login, offline')],
      ['online login, web agent', byName('login, web')],
    ] as const) {
      rows.push({
        figure,
        now: `${route.outcome}: ${io(route)}, ${ms(route.cpuMs.median)} of CPU; ${route.throughputPerSecond.toFixed(1)} logins/s at 8 concurrent, p50 ${ms(route.latencyMs.median)}`,
        goal: `at most ${CPU_GOAL_MS} ms of CPU per login, whichever agent`,
        met: route.cpuMs.median <= CPU_GOAL_MS,
      });
    }
    const unknown = byName('login, unknown');
    const known = byName('login, web');
    rows.push({
      figure: 'an unknown user',
      now: `${ms(unknown.cpuMs.median)} of CPU (a known user's: ${ms(known.cpuMs.median)})${kdf ? `; one KDF run ${ms(kdf.medianMs)}` : ''}; ${io(unknown)}`,
      goal: 'the same cost as a known user, and small',
      met:
        Math.abs(unknown.cpuMs.median - known.cpuMs.median) <= 0.2 * known.cpuMs.median &&
        unknown.cpuMs.median <= CPU_GOAL_MS,
    });
  }
  if (kdf?.loginKdfCpuMs) {
    const { before, after } = kdf.loginKdfCpuMs;
    rows.push({
      figure: "a login's KDF CPU, policy before and after issue 16 (same run)",
      now: `offline agent ${ms(before.offlineAgent)} -> ${ms(after.offlineAgent)}, web agent ${ms(before.webAgent)} -> ${ms(after.webAgent)}`,
      goal: `the login's whole CPU at most ${CPU_GOAL_MS} ms`,
      met: after.offlineAgent <= CPU_GOAL_MS,
    });
  }
  if (scaling) {
    rows.push({
      figure: 'search as the table grows (p50 at 8 concurrent)',
      now: scaling.points
        .map((p) => `${p.tokens.toLocaleString('en-US')} tokens ${ms(p.search.latencyMs.median)}`)
        .join(', '),
      goal: 'no goal set (the curve is in search-scaling.svg)',
      met: null,
    });
  }
  return rows;
}

function drawCharts(results: {
  bundles?: BundleSection;
  routes?: RouteRun;
  scaling?: ScalingSection;
}): string[] {
  const written: string[] = [];
  const write = (name: string, svg: string) => {
    writeFileSync(join(RESULTS, name), svg);
    written.push(`bench/results/${name}`);
  };
  if (results.bundles) {
    const { functions, floors, helloWorld } = results.bundles;
    const bar = (label: string, byGroup: Record<string, number>) => ({
      label,
      segments: GROUPS.map((g) => ({ name: g, value: (byGroup[g] ?? 0) / 1024 })).filter((s) => s.value > 0),
    });
    write(
      'bundles.svg',
      stackedBarChart({
        title: 'Function bundles by package (minified, as deployed; source maps not included)',
        unit: 'KiB',
        bars: [
          ...functions.map((f) => bar(f.name, f.byGroup)),
          ...floors.map((f) => bar(f.name, f.byGroup)),
          bar(helloWorld.name, helloWorld.byGroup),
        ],
      }),
    );
  }
  if (results.routes) {
    write(
      'latency.svg',
      distributionChart({
        title: `Latency per route at 8 concurrent requests (${results.routes.tokens.toLocaleString('en-US')} generated tokens, DynamoDB Local)`,
        unit: 'ms',
        rows: [
          ...results.routes.routes.map((r) => ({ label: r.route, values: r.latencySamples })),
          { label: 'bare GetItem', values: results.routes.bareGetItemMs.samples },
        ],
      }),
    );
  }
  if (results.scaling) {
    const points = results.scaling.points;
    write(
      'search-scaling.svg',
      lineChart({
        title: 'Search by last name (page of 25, all domains) as the table grows',
        xLabel: 'tokens in the table (logarithmic)',
        yLabel: 'latency at 8 concurrent (ms)',
        series: [
          { name: 'p50', points: points.map((p) => ({ x: p.tokens, y: p.search.latencyMs.median })) },
          { name: 'p90', points: points.map((p) => ({ x: p.tokens, y: p.search.latencyMs.p90 })) },
        ],
      }),
    );
  }
  return written;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
  });
  const quick = values.quick ?? false;
  const only = values.only?.split(',').map((s) => s.trim()) ?? [...SECTIONS];
  const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0)
    throw new Error(`unknown section ${unknown.join(', ')}; sections: ${SECTIONS.join(', ')}`);
  const wanted = (s: Section) => only.includes(s);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  mkdirSync(RESULTS, { recursive: true });
  const started = performance.now();
  const machine = {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => round(l)),
  };
  say(
    `bench${quick ? ' --quick' : ''}: ${only.join(', ')} on ${machine.cores} x ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`,
  );

  const sections: Record<string, unknown> = {};
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, task: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const result = await task();
    timings[name] = round((performance.now() - t) / 1000);
    say(`${name}: ${timings[name]} s`);
    sections[name] = result;
    return result;
  };
  const results: Parameters<typeof tableRows>[0] = {};
  if (wanted('bundles')) results.bundles = await timed('bundles', () => bundleSection(quick));
  let engine: EngineHandle | undefined;
  try {
    if (wanted('routes') || wanted('scaling') || wanted('sweep'))
      engine = await startDynamoDbLocal({ inMemory: true });
    if (wanted('routes')) {
      const run = await timed('routes', () =>
        measureRoutes(
          engine!.endpoint,
          quick
            ? { tokens: 1_000, sequential: 2, concurrent: 8, loginConcurrent: 8 }
            : { tokens: 10_000, sequential: 10, concurrent: 80, loginConcurrent: 24 },
        ),
      );
      results.routes = {
        ...run,
        routes: run.routes.map((r) => ({
          ...r,
          cpuMs: rounded(r.cpuMs),
          latencyMs: rounded(r.latencyMs),
          throughputPerSecond: round(r.throughputPerSecond),
        })),
      };
      sections.routes = results.routes;
    }
    if (wanted('scaling'))
      results.scaling = await timed('scaling', () => scalingSection(engine!.endpoint, quick));
    for (const section of ['kdf', 'offline-data', 'sweep', 'replication'] as const) {
      if (wanted(section)) await timed(section, () => legacySection(section, quick, engine?.endpoint));
    }
    results.kdf = sections.kdf as KdfSection | undefined;
  } finally {
    await engine?.stop();
  }

  const rows = tableRows(results);
  const command = `npm run bench${quick ? ' -- --quick' : ''}${values.only ? ` ${quick ? '' : '-- '}--only ${values.only}` : ''}`;
  const seconds = round((performance.now() - started) / 1000);
  const charts = drawCharts(results);
  const report = {
    command,
    quick,
    machine,
    startedAt: new Date(Date.now() - seconds * 1000).toISOString(),
    seconds,
    timings,
    table: rows,
    charts,
    sections,
  };
  const file = resolve(RESULTS, 'latest.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  say('');
  say(`${command}: ${machine.cores} x ${machine.cpuModel}, Node ${machine.node}, ${seconds} s`);
  say(markdownTable(rows));
  say(`\nwritten: bench/results/latest.json${charts.map((c) => `, ${c}`).join('')}`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
