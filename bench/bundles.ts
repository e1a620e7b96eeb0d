/**
 * The functions' bundles as a deployment builds them: the bundling options the CDK app gives every
 * function (infra/constructs/service-function.ts) turned into the esbuild call aws-cdk-lib makes, plus a
 * metafile to see what each bundle is made of. The floor is a bundle of nothing but the AWS SDK clients
 * the function uses, built the same way.
 *
 * Loading: each bundle loaded in a fresh Node (`node index.mjs`, which imports the handler module and
 * nothing else), with the environment the deployed function has (NODE_OPTIONS=--enable-source-maps when
 * the source map ships), timed from the parent; the median over repetitions, divided by an empty
 * `node -e 0` and by the floor bundle measured in the same run, interleaved so that load on the machine
 * falls on every one alike.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { summarize, type Summary } from './stats';

/**
 * The esbuild options aws-cdk-lib derives from a function's BundlingOptions (its `buildEsbuildArgs`),
 * for the options the project sets. An option this does not know fails loudly, so that a new bundling
 * option in infra/ cannot go unmeasured.
 */
export function esbuildOptionsOf(bundling: BundlingOptions): BuildOptions {
  const options: BuildOptions = { bundle: true, platform: 'node', write: false, metafile: true };
  for (const [key, value] of Object.entries(bundling) as [keyof BundlingOptions, unknown][]) {
    switch (key) {
      case 'forceDockerBundling':
      case 'charset': // aws-cdk-lib (2.276) passes no --charset to esbuild: the option does nothing.
        break;
      case 'format':
        options.format = value as BuildOptions['format'];
        break;
      case 'target':
        options.target = value as string;
        break;
      case 'mainFields':
        options.mainFields = value as string[];
        break;
      case 'banner':
        options.banner = { js: value as string };
        break;
      case 'minify':
        options.minify = value as boolean;
        break;
      case 'sourceMap':
        if (value === true) options.sourcemap = true;
        break;
      case 'sourcesContent':
        options.sourcesContent = value as boolean;
        break;
      case 'externalModules':
        options.external = value as string[];
        break;
      case 'tsconfig':
        options.tsconfig = value as string;
        break;
      case 'logLevel':
        options.logLevel = value as BuildOptions['logLevel'];
        break;
      default:
        throw new Error(`bench/bundles.ts does not know the bundling option "${key}": add it`);
    }
  }
  return options;
}

/** The package an esbuild input path belongs to (the innermost node_modules), or null for own code. */
export function packageOf(inputPath: string): string | null {
  const parts = inputPath.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return null;
  const name = parts[at + 1]!;
  return name.startsWith('@') && at + 2 < parts.length ? `${name}/${parts[at + 2]}` : name;
}

/** The groups a bundle's composition is drawn in. */
export const GROUPS = ['zod', '@aws-sdk/*', '@smithy/*', 'powertools', 'middy', 'own code', 'other'] as const;
export type Group = (typeof GROUPS)[number];

export function groupOf(pkg: string | null): Group {
  if (pkg === null) return 'own code';
  if (pkg === 'zod') return 'zod';
  if (pkg.startsWith('@aws-sdk/') || pkg.startsWith('@aws-crypto/')) return '@aws-sdk/*';
  if (pkg.startsWith('@smithy/')) return '@smithy/*';
  if (pkg.startsWith('@aws-lambda-powertools/')) return 'powertools';
  if (pkg.startsWith('@middy/')) return 'middy';
  return 'other';
}

export interface Composition {
  /** Minified bytes in the output, by package (`own code` for the project's files). */
  byPackage: Record<string, number>;
  byGroup: Record<Group, number>;
}

/** What the output file is made of, from esbuild's metafile (bytes each input contributes after minifying). */
export function compositionOf(metafile: Metafile): Composition {
  const byPackage: Record<string, number> = {};
  const byGroup = Object.fromEntries(GROUPS.map((g) => [g, 0])) as Record<Group, number>;
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (file.endsWith('.map')) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = packageOf(input);
      byPackage[pkg ?? 'own code'] = (byPackage[pkg ?? 'own code'] ?? 0) + bytesInOutput;
      byGroup[groupOf(pkg)] += bytesInOutput;
    }
  }
  return { byPackage, byGroup };
}

/** The AWS SDK client packages (`@aws-sdk/client-*`) a bundle holds. */
export const sdkClientsOf = (composition: Composition): string[] =>
  Object.keys(composition.byPackage)
    .filter((p) => p.startsWith('@aws-sdk/client-'))
    .sort();

export interface BuiltBundle {
  name: string;
  dir: string;
  file: string;
  bytes: number;
  mapBytes: number;
  composition: Composition;
}

const classNameOf = (client: string) =>
  client
    .replace('@aws-sdk/client-', '')
    .split('-')
    .map((w) => (w === 'dynamodb' ? 'DynamoDB' : w === 'kms' ? 'KMS' : w[0]!.toUpperCase() + w.slice(1)))
    .join('') + 'Client';

/** The source of a module holding only these SDK clients, one of each made as a function makes them. */
export const floorSource = (clients: readonly string[]): string =>
  [
    ...clients.map((c) => `import { ${classNameOf(c)} } from '${c}';`),
    `export const clients = [${clients.map((c) => `new ${classNameOf(c)}({ region: 'us-east-1' })`).join(', ')}];`,
  ].join('\n');

export async function bundle(
  name: string,
  bundling: BundlingOptions,
  from: { entry: string } | { source: string; resolveDir: string },
  outRoot: string,
): Promise<BuiltBundle> {
  const dir = join(outRoot, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, bundling.format === 'esm' ? 'index.mjs' : 'index.js');
  const result = await build({
    ...esbuildOptionsOf(bundling),
    ...('entry' in from
      ? { entryPoints: [from.entry] }
      : { stdin: { contents: from.source, resolveDir: from.resolveDir, loader: 'ts' } }),
    outfile: file,
    write: true,
  });
  const mapBytes = bundling.sourceMap === true ? statSync(`${file}.map`).size : 0;
  return {
    name,
    dir,
    file,
    bytes: statSync(file).size,
    mapBytes,
    composition: compositionOf(result.metafile!),
  };
}

export const newOutRoot = (): string => mkdtempSync(join(tmpdir(), 'eat-bench-bundles-'));

/** What a deployed function's environment holds, enough for its cold start to configure itself. */
export const DEPLOYED_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  TABLE_NAME: 'eat-bench',
  SEALER: 'kms',
  KMS_KEY_ARN: 'arn:aws:kms:us-east-1:000000000000:key/mrk-bench',
  PEPPER_KEY_ARN: 'arn:aws:kms:us-east-1:000000000000:key/bench-pepper',
  REGION_NAME: 'us-east-1',
  POWERTOOLS_SERVICE_NAME: 'emergency-access-tokencodes',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export interface LoadSubject {
  name: string;
  /** `node <args>` */
  args: string[];
  env: Record<string, string>;
}

/** One fresh Node: the wall time from spawn to exit, in ms. Throws when the load fails. */
export function loadOnce(subject: LoadSubject): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, subject.args, {
    env: { PATH: process.env.PATH ?? '', ...subject.env },
    encoding: 'utf8',
  });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${subject.name} did not load: ${result.stderr.slice(0, 500)}`);
  return ms;
}

/** Each subject loaded `repetitions` times, round-robin, after one unmeasured round (unless `warmUp` is false). */
export function measureLoads(
  subjects: readonly LoadSubject[],
  repetitions: number,
  warmUp = true,
): Map<string, Summary> {
  const times = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
  if (warmUp) for (const subject of subjects) loadOnce(subject);
  for (let r = 0; r < repetitions; r++) {
    for (const subject of subjects) times.get(subject.name)!.push(loadOnce(subject));
  }
  return new Map([...times].map(([name, values]) => [name, summarize(values)]));
}

/** A hello-world bundle's source: the smallest thing a function could be. */
export const HELLO_WORLD_SOURCE = "export const handler = async () => ({ statusCode: 200, body: 'hello' });";

export function writeFileIn(dir: string, name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}
