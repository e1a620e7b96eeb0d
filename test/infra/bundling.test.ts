/**
 * Real bundling, which the other infra tests skip: one handler (the smallest, the OpenAPI document's)
 * bundled by esbuild on this machine, with no Docker, then loaded as the Lambda runtime would load it
 * and invoked with an API Gateway v2 event. Then every deployed function bundled as a deployment bundles
 * it, to see what it is made of: its validation is `zod/mini`, never classic zod (444 KiB of the bundle).
 */
import { App, Stack } from 'aws-cdk-lib';
import { build } from 'esbuild';
import * as logs from 'aws-cdk-lib/aws-logs';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { esbuildOptionsOf } from '../../bench/bundles';
import { FUNCTION_ENTRIES } from '../../functions/registry';
import { bundlingOptions, ServiceFunction } from '../../infra/constructs/service-function';
import { functionCatalog } from '../../infra/function-catalog';

function bundle(sourceMaps: boolean): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'eat-bundle-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bundling', { env: { region: 'us-east-1' } });
  // Deployed, the document is a static file; its handler still serves it in the local gateway.
  const spec = { ...functionCatalog().sweep, name: 'openapi', entry: FUNCTION_ENTRIES.openapi };
  new ServiceFunction(stack, 'Openapi', {
    spec,
    namePrefix: 'eat',
    region: 'us-east-1',
    maxEmergencyCodeLifetimeDays: 90,
    sourceMaps,
    logRetention: logs.RetentionDays.ONE_WEEK,
  });
  const assembly = app.synth();
  const assets = readdirSync(assembly.directory).filter((n) => n.startsWith('asset.'));
  expect(assets).toHaveLength(1);
  return path.join(assembly.directory, assets[0]!);
}

/**
 * Loads the bundle in a fresh Node process, as the Lambda runtime does, and invokes its handler once: its
 * reply, and the lines it printed before (the metrics' EMF, as Lambda's stdout receives it).
 */
function invoke(
  file: string,
  event: unknown,
): { reply: { statusCode: number; body: string }; printed: string[] } {
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});
    const context = { awsRequestId: 'bundling-test', getRemainingTimeInMillis: () => 10000 };
    process.stdout.write(JSON.stringify(await handler(${JSON.stringify(event)}, context)));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', NODE_OPTIONS: '--enable-source-maps' },
  });
  const lines = output.split('\n');
  return {
    reply: JSON.parse(lines.at(-1)!) as { statusCode: number; body: string },
    printed: lines.slice(0, -1),
  };
}

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('bundling', () => {
  it('bundles a handler locally into one minified ES module, with a source map when asked', () => {
    const dir = bundle(true);
    expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const size = statSync(path.join(dir, 'index.mjs')).size;
    expect(size).toBeGreaterThan(10_000);
    expect(size).toBeLessThan(3_000_000);

    const { reply, printed } = invoke(path.join(dir, 'index.mjs'), {
      version: '2.0',
      routeKey: 'GET /v1/openapi.json',
      rawPath: '/v1/openapi.json',
      rawQueryString: '',
      headers: {},
      requestContext: {
        http: { method: 'GET', path: '/v1/openapi.json' },
        requestId: 'bundling-test',
        routeKey: 'GET /v1/openapi.json',
        stage: '$default',
      },
      isBase64Encoded: false,
    });
    expect(reply.statusCode).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ openapi: expect.stringMatching(/^3\.1/) });
    // The bundle runs the Powertools middlewares: the request's count is flushed as EMF.
    const emf = printed.map((line) => JSON.parse(line) as { _aws?: unknown; Replies?: number });
    expect(emf).toContainEqual(expect.objectContaining({ _aws: expect.anything(), Replies: 1 }));
  });

  it('leaves the source map out when it is not wanted', () => {
    const dir = bundle(false);
    expect(readdirSync(dir)).toEqual(['index.mjs']);
    expect(existsSync(path.join(dir, 'index.mjs.map'))).toBe(false);
  });

  /** zod/mini with its English messages is about 40 KiB of a bundle; classic zod alone is 444 KiB. */
  const ZOD_BYTES_BOUND = 64 * 1024;

  it.each(functionCatalog().all.map((spec) => [spec.name, spec.entry]))(
    'bundles %s with zod/mini and no classic zod',
    async (_name, entry) => {
      const { metafile } = await build({ ...esbuildOptionsOf(bundlingOptions(false)), entryPoints: [entry] });
      const inputs = Object.entries(Object.values(metafile!.outputs)[0]!.inputs);
      const zod = inputs.filter(([file]) => file.includes('node_modules/zod/'));
      expect(zod.map(([file]) => file)).toContainEqual(expect.stringContaining('node_modules/zod/v4/mini/'));
      expect(zod.map(([file]) => file).filter((file) => file.includes('/v4/classic/'))).toEqual([]);
      expect(zod.reduce((bytes, [, input]) => bytes + input.bytesInOutput, 0)).toBeLessThan(ZOD_BYTES_BOUND);
    },
  );
});
