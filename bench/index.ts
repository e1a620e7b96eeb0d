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
 * with its repetitions and spread) as it goes, each section merged in when it ends (bench/latest.ts), and
 * the SVG charts next to it, each drawn when its section ends from that section's figures. One DynamoDB
 * Local serves every section. Nothing here passes or fails.
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
import { ResultsFile } from './latest';
import { seedUsers } from './population';
import { kib, markdownTable, mib, ms, range, times, type Row } from './report';
import {
  closeBench,
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
const BARE_IO_GOAL = 2;

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
  /**
   * Load time in a fresh Node, ms: as deployed, and with its source map read at start (before issue 16;
   * not in --quick, which builds no maps).
   */
  loadDeployedMs: Summary;
  loadWithMapMs?: Summary;
  /** Medians divided by `node -e 0`'s and by the floor bundle's (hello world without SDK clients), as deployed. */
  loadOverEmptyNode: number;
  loadOverEmptyNodeWithMap?: number;
  loadOverFloor: number;
}

async function bundleSection(quick: boolean) {
  const root = newOutRoot();
  // The maps are built (and loaded) only to show the before in the same run: not in --quick.
  const withMaps = !quick;
  const deployed = bundlingOptions(withMaps);
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
  const repetitions = quick ? 2 : 15;
  const loads = measureLoads(
    [empty, ...everything.map(asDeployed), ...(DEPLOYED_SOURCE_MAPS || !withMaps ? [] : built.map(withMap))],
    repetitions,
    !quick,
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
      ...(withMaps
        ? {
            loadWithMapMs: rounded(loads.get(withMap(b).name)!),
            loadOverEmptyNodeWithMap: round(loads.get(withMap(b).name)!.median / emptyMs),
          }
        : {}),
      loadOverEmptyNode: round(deployedMs.median / emptyMs),
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
    repetitions,
    emptyNodeMs: rounded(loads.get(empty.name)!),
    functions: figures,
    floors: [...floors.values()].map(reference),
    helloWorld: reference(hello),
  };
}
type BundleSection = Awaited<ReturnType<typeof bundleSection>>;

interface ScalingPoint {
  tokens: number;
  /** null when the point is the routes section's search (--quick). */
  seedSeconds: number | null;
  search: RouteFigures;
}

/**
 * Search in one table grown to each size in turn (the generated tokens only, without their users' profile
 * items, which a search never reads), seeded with BatchWriteItem; `progress` hears of each point as it is
 * measured, so a stopped run keeps the points it has.
 */
async function scalingSection(
  endpoint: string,
  quick: boolean,
  progress: (partial: { points: ScalingPoint[]; complete: false }) => void,
) {
  const sizes = quick ? [1_000] : [1_000, 10_000, 100_000];
  const points: ScalingPoint[] = [];
  const bench = await startBench(endpoint, 0, false);
  try {
    let seeded = 0;
    for (const tokens of sizes) {
      const start = performance.now();
      await seedUsers(bench.rawClient, bench.tableName, bench.deps.sealer, {
        count: tokens - seeded,
        from: seeded,
        users: false,
      });
      const seedSeconds = round((performance.now() - start) / 1000);
      say(`scaling: ${tokens} tokens seeded (${tokens - seeded} more in ${seedSeconds} s)`);
      seeded = tokens;
      const search = await measureRoute(bench, 'search', searchRequest, quick ? 2 : 10, quick ? 8 : 80, true);
      say(
        `scaling: ${tokens} tokens: search p50 ${ms(search.latencyMs.median)}, its calls bare ${ms(search.bareIoMs!.median)}, ${search.dynamoDbCalls} DynamoDB calls`,
      );
      points.push({
        tokens,
        seedSeconds,
        search: {
          ...search,
          latencyMs: rounded(search.latencyMs),
          cpuMs: rounded(search.cpuMs),
          bareIoMs: rounded(search.bareIoMs!),
        },
      });
      progress({ points: [...points], complete: false });
    }
  } finally {
    await closeBench(bench);
  }
  return { points, complete: true };
}
type ScalingSection = Awaited<ReturnType<typeof scalingSection>>;

/** The older benchmarks, each in its own module; their sizes come from the environment they read. */
async function legacySection(
  section: Section,
  quick: boolean,
  endpoint: string | undefined,
): Promise<unknown> {
  if (quick) {
    process.env.RUNS ??= '3';
    process.env.SIZES ??= '1000';
    process.env.WARM_UP_SIZE ??= '200';
    process.env.CONCURRENCY ??= '8';
    process.env.BURST ??= '100';
    process.env.SINGLE_WRITES ??= '3';
    process.env.CONFLICTS ??= '25';
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
    const zod = fns.map((f) => f.byGroup.zod ?? 0);
    const floor = bundles.floors.find((f) => f.name.includes('dynamodb+kms')) ?? bundles.floors[0];
    rows.push({
      figure: 'function bundle',
      now:
        `${range(
          fns.map((f) => f.bytes),
          kib,
        )} minified (${fns.length} functions)` +
        `, of which zod ${range(zod, kib)}; source maps ${
          DEPLOYED_SOURCE_MAPS
            ? range(
                fns.map((f) => f.mapBytes),
                mib,
              ) + ' more'
            : 'no longer'
        } in each zip` +
        (fns.some((f) => f.mapBytesBefore > 0)
          ? ` (before: ${range(
              fns.map((f) => f.mapBytesBefore),
              mib,
            )} more)`
          : ''),
      goal: `each at most the SDK clients it uses plus 50 KiB (DynamoDB + KMS clients alone: ${floor ? kib(floor.bytes) : '?'})`,
      met: fns.every((f) => f.bytes <= f.floorBytes + FLOOR_SLACK_BYTES),
    });
    const sdkFloor = bundles.floors.find((f) => f.name.includes('dynamodb+kms'));
    rows.push({
      figure: 'loading a bundle in a fresh Node, divided by an empty `node -e 0`',
      now:
        (fns.every((f) => f.loadOverEmptyNodeWithMap !== undefined)
          ? `before (map read at start) ${range(
              fns.map((f) => f.loadOverEmptyNodeWithMap!),
              times,
            )}, now `
          : '') +
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
    const io = (r: RouteFigures) =>
      `${r.dynamoDbCalls} DynamoDB + ${r.kmsCalls} KMS calls in ${r.roundTrips} round trips`;
    const byName = (prefix: string) => routes.routes.find((r) => r.route.startsWith(prefix))!;
    for (const [figure, route] of [
      ['search by last name, a page of 25, all-domains administrator', byName('search')],
      ['view', byName('view')],
    ] as const) {
      const bareIo = route.bareIoMs?.median;
      rows.push({
        figure,
        now:
          `${io(route)}, ${ms(route.latencyMs.median)} p50 (p90 ${ms(route.latencyMs.p90)}) at 8 concurrent; ` +
          (bareIo === undefined
            ? 'bare I/O not measured'
            : `the same calls sent raw, 8 at a time, ${ms(bareIo)} p50: ${times(route.overBareIo!)} their bare I/O`) +
          ` (one bare GetItem ${ms(routes.bareGetItemMs.median)})`,
        goal: `at most 3 round trips whatever the page size and the number of domains, within ${BARE_IO_GOAL}x of their bare I/O`,
        met: route.roundTrips <= 3 && route.overBareIo !== undefined && route.overBareIo <= BARE_IO_GOAL,
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
        .map(
          (p) =>
            `${p.tokens.toLocaleString('en-US')} tokens ${ms(p.search.latencyMs.median)}` +
            (p.search.overBareIo === undefined ? '' : ` (${times(p.search.overBareIo)} its bare I/O)`),
        )
        .join(', '),
      goal: 'no goal set (the curve is in search-scaling.svg)',
      met: null,
    });
  }
  return rows;
}

/** The chart of a section, drawn from the figures it just measured; the file written, or undefined. */
function drawChart(section: string, figures: unknown): string | undefined {
  const write = (name: string, svg: string) => {
    writeFileSync(join(RESULTS, name), svg);
    return `bench/results/${name}`;
  };
  if (section === 'bundles') {
    const { functions, floors, helloWorld } = figures as BundleSection;
    const bar = (label: string, byGroup: Record<string, number>) => ({
      label,
      segments: GROUPS.map((g) => ({ name: g, value: (byGroup[g] ?? 0) / 1024 })).filter((s) => s.value > 0),
    });
    return write(
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
  if (section === 'routes') {
    const routes = figures as RouteRun;
    return write(
      'latency.svg',
      distributionChart({
        title: `Latency per route at 8 concurrent requests (${routes.tokens.toLocaleString('en-US')} generated tokens, DynamoDB Local)`,
        unit: 'ms',
        rows: [
          ...routes.routes.flatMap((r) => [
            { label: r.route, values: r.latencySamples },
            ...(r.bareIoSamples ? [{ label: `  its calls sent raw`, values: r.bareIoSamples }] : []),
          ]),
          { label: 'one bare GetItem', values: routes.bareGetItemMs.samples },
        ],
      }),
    );
  }
  if (section === 'scaling') {
    const { points } = figures as ScalingSection;
    return write(
      'search-scaling.svg',
      lineChart({
        title: 'Search by last name (page of 25, all domains) as the table grows',
        xLabel: 'tokens in the table (logarithmic)',
        yLabel: 'latency at 8 concurrent (ms)',
        series: [
          { name: 'p50', points: points.map((p) => ({ x: p.tokens, y: p.search.latencyMs.median })) },
          { name: 'p90', points: points.map((p) => ({ x: p.tokens, y: p.search.latencyMs.p90 })) },
          {
            name: 'its calls sent raw, p50',
            points: points.map((p) => ({ x: p.tokens, y: p.search.bareIoMs?.median ?? 0 })),
          },
        ],
      }),
    );
  }
  return undefined;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
  });
  const quick = values.quick ?? false;
  if (quick) process.env.REPLICATION_DELAY_MS ??= '250';
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
  const command = `npm run bench${quick ? ' -- --quick' : ''}${values.only ? ` ${quick ? '' : '-- '}--only ${values.only}` : ''}`;
  say(
    `bench${quick ? ' --quick' : ''}: ${only.join(', ')} on ${machine.cores} x ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`,
  );
  const file = new ResultsFile(resolve(RESULTS, 'latest.json'), {
    command,
    quick,
    machine,
    startedAt: new Date().toISOString(),
  });
  const elapsed = () => round((performance.now() - started) / 1000);
  const rows = () => tableRows(file.allSections as Parameters<typeof tableRows>[0]);
  /** Merges a section's figures (whole, or so far) into latest.json, and draws its chart. */
  const record = (name: Section, figures: unknown, seconds: number) => {
    const chart = drawChart(name, figures);
    if (chart !== undefined) file.chart(chart);
    file.section(name, figures, seconds);
    file.write(rows(), false, elapsed());
  };
  const timed = async <T>(name: Section, task: () => Promise<T>, shape: (r: T) => unknown = (r) => r) => {
    const t = performance.now();
    const result = await task();
    const seconds = round((performance.now() - t) / 1000);
    say(`${name}: ${seconds} s`);
    record(name, shape(result), seconds);
    return result;
  };
  // DynamoDB Local boots (its JVM's start, mostly CPU) while the bundles are being built, before any load is timed.
  // On a loaded machine its start takes minutes: a failure is thrown where it is awaited, below.
  const starting = only.some((s) => ['routes', 'scaling', 'sweep', 'replication'].includes(s))
    ? startDynamoDbLocal({ inMemory: true, startTimeoutMs: 300_000 })
    : undefined;
  starting?.catch(() => undefined);
  let engine: EngineHandle | undefined;
  try {
    if (wanted('bundles')) await timed('bundles', () => bundleSection(quick));
    engine = await starting;
    let routes: RouteRun | undefined;
    if (wanted('routes')) {
      routes = await timed(
        'routes',
        () =>
          measureRoutes(
            engine!.endpoint,
            quick
              ? { tokens: 1_000, sequential: 2, concurrent: 8, loginConcurrent: 8 }
              : { tokens: 10_000, sequential: 10, concurrent: 80, loginConcurrent: 24 },
          ),
        (run): RouteRun => ({
          ...run,
          routes: run.routes.map((r) => ({
            ...r,
            cpuMs: rounded(r.cpuMs),
            latencyMs: rounded(r.latencyMs),
            ...(r.bareIoMs ? { bareIoMs: rounded(r.bareIoMs) } : {}),
            throughputPerSecond: round(r.throughputPerSecond),
          })),
        }),
      );
    }
    if (wanted('scaling') && quick && routes !== undefined) {
      // --quick's one point is the routes section's table (1,000 tokens): its search, not seeded again.
      const shaped = file.allSections.routes as RouteRun;
      const search = shaped.routes.find((r) => r.route.startsWith('search'))!;
      record(
        'scaling',
        { points: [{ tokens: routes.tokens, seedSeconds: null, search }], complete: true },
        0,
      );
    } else if (wanted('scaling')) {
      const t = performance.now();
      await timed('scaling', () =>
        scalingSection(engine!.endpoint, quick, (partial) =>
          record('scaling', partial, round((performance.now() - t) / 1000)),
        ),
      );
    }
    for (const section of ['kdf', 'offline-data', 'sweep', 'replication'] as const) {
      if (wanted(section)) await timed(section, () => legacySection(section, quick, engine?.endpoint));
    }
  } finally {
    await (engine ?? (await starting?.catch(() => undefined)))?.stop();
  }

  const seconds = elapsed();
  const table = rows();
  file.write(table, true, seconds);
  say('');
  say(`${command}: ${machine.cores} x ${machine.cpuModel}, Node ${machine.node}, ${seconds} s`);
  say(markdownTable(table));
  say(`\nwritten: bench/results/latest.json (sections: ${Object.keys(file.allSections).join(', ')})`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
