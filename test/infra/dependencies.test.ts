/**
 * Runtime dependencies are what the Lambda functions need, and nothing else: every function's entry is
 * bundled as the deployment bundles it (esbuild, everything inlined), and the packages the product's own
 * code imports in those bundles are exactly package.json's `dependencies`. What only the local system, the
 * CLI, the benchmarks or the tests use (fastify, jose, ...) is a devDependency, and no source file under
 * functions/ or shared/ imports one (a type-only import, erased at build, aside). And no product code
 * (functions, shared, infra, local, cli, bench) imports test code.
 */
import { build, type Metafile } from 'esbuild';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { FUNCTION_ENTRIES } from '../../functions/registry';
import { functionCatalog } from '../../infra/function-catalog';

const ROOT = path.join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`; a relative or `node:` import → null. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The packages that the product's own files (not node_modules) import, in the bundles of the entries. */
function packagesImportedByOwnCode(metafile: Metafile): Set<string> {
  const found = new Set<string>();
  for (const [file, input] of Object.entries(metafile.inputs)) {
    if (file.includes('node_modules')) continue;
    for (const imported of input.imports) {
      const name = imported.original === undefined ? null : packageOf(imported.original);
      if (name !== null) found.add(name);
    }
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

/** Runtime imports of a source file: `import ... from`, `export ... from`, `import()`, `require()`. */
function runtimeImportsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) {
    if (match[2] === undefined) specifiers.push(match[3]!);
  }
  for (const match of text.matchAll(/^\s*import\s+'([^']+)'/gm)) specifiers.push(match[1]!);
  for (const match of text.matchAll(/\b(?:import|require)\(\s*'([^']+)'\s*\)/g)) specifiers.push(match[1]!);
  return specifiers;
}

/** `import type ... from` specifiers. */
function typeImportsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s+type\s+[^'";]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

describe('runtime dependencies', () => {
  let bundled: Set<string>;

  beforeAll(async () => {
    // The route groups and the sweep, and the two stream consumers (audit outbox, audit trail).
    const streamConsumers = [FUNCTION_ENTRIES['audit-outbox'], FUNCTION_ENTRIES['audit-trail']];
    const entries = [...functionCatalog().all.map((spec) => spec.entry), ...streamConsumers];
    const result = await build({
      entryPoints: entries,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      write: false,
      outdir: path.join(ROOT, 'cdk.out', 'dependencies-test'),
      metafile: true,
      logLevel: 'silent',
    });
    bundled = packagesImportedByOwnCode(result.metafile);
  });

  it('are exactly the packages the functions’ bundles import', () => {
    expect([...bundled].sort()).toEqual(Object.keys(manifest.dependencies).sort());
  });

  it('leave out what only the local system and the tests use', () => {
    for (const name of ['fastify', '@fastify/formbody', 'jose']) {
      expect(manifest.dependencies).not.toHaveProperty([name]);
      expect(manifest.devDependencies).toHaveProperty([name]);
    }
  });

  it('are all that functions/ and shared/ import at run time: no devDependency there', () => {
    const offenders = ['functions', 'shared']
      .flatMap((dir) => sourceFiles(path.join(ROOT, dir)))
      .flatMap((file) =>
        runtimeImportsOf(file)
          .map(packageOf)
          .filter((name): name is string => name !== null && !(name in manifest.dependencies))
          .map((name) => `${path.relative(ROOT, file)}: ${name}`),
      );
    expect(offenders).toEqual([]);
  });

  it('product code never imports test code', () => {
    const product = ['functions', 'shared', 'infra', 'local', 'cli', 'bench'];
    const offenders = product
      .flatMap((dir) => sourceFiles(path.join(ROOT, dir)))
      .flatMap((file) =>
        runtimeImportsOf(file)
          .concat(typeImportsOf(file))
          .filter((specifier) => specifier.startsWith('.'))
          .filter((specifier) => {
            const target = path.relative(ROOT, path.resolve(path.dirname(file), specifier));
            return target === 'test' || target.startsWith(`test${path.sep}`);
          })
          .map((specifier) => `${path.relative(ROOT, file)}: ${specifier}`),
      );
    expect(offenders).toEqual([]);
  });

  it('are checked for real: a devDependency imported by own code is caught', () => {
    expect(runtimeImportsOf(path.join(ROOT, 'local', 'gateway.ts')).map(packageOf)).toEqual(
      expect.arrayContaining(['fastify', '@fastify/formbody']),
    );
    expect(
      runtimeImportsOf(path.join(ROOT, 'functions', 'http', 'http-handler.ts')).map(packageOf),
    ).toContain('@middy/core');
    // A type-only import is erased at build: not a runtime import.
    expect(runtimeImportsOf(path.join(ROOT, 'functions', 'http', 'claims.ts')).map(packageOf)).not.toContain(
      'aws-lambda',
    );
  });
});
