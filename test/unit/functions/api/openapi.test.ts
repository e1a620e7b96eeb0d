/**
 * The OpenAPI document passes Redocly's recommended rules (redocly.yaml), errors and warnings alike: the
 * document the functions serve is written to a file and linted by `@redocly/cli lint`, offline.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openApiDocument } from '../../../../functions/api/openapi';
import { ALL_ROUTES } from '../../../../functions/api/contract/routes';
import { projectRoot } from '../../../../local/engines';

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
}

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eat-openapi-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function lint(document: unknown): Promise<LintReport> {
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document, null, 2));
  const root = projectRoot();
  const cli = join(root, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
  const args = [cli, 'lint', file, '--config', join(root, 'redocly.yaml'), '--format', 'json'];
  // No telemetry, no update check: the lint runs offline.
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  const { stdout } = await promisify(execFile)(process.execPath, args, { env, cwd: dir }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  return JSON.parse(stdout) as LintReport;
}

describe('the OpenAPI document', () => {
  it('passes @redocly/cli lint with the recommended rules: no error, no warning', async () => {
    const report = await lint(openApiDocument(ALL_ROUTES));
    expect(report.problems.map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
  });

  it('names its servers and its licence', () => {
    const document = openApiDocument(ALL_ROUTES) as {
      servers: { url: string }[];
      info: { license: { name: string } };
    };
    expect(document.servers.map((s) => s.url)).toEqual([
      'https://{apiId}.execute-api.{region}.amazonaws.com',
      'http://127.0.0.1:3000',
      'http://127.0.0.1:3001',
    ]);
    expect(document.info.license.name).toMatch(/UNLICENSED/);
  });

  it('is linted for real: a document without servers or licence is reported', async () => {
    const { servers: _servers, ...withoutServers } = openApiDocument(ALL_ROUTES);
    const info = withoutServers.info as Record<string, unknown>;
    const report = await lint({ ...withoutServers, info: { ...info, license: undefined } });
    expect(report.problems.map((p) => p.ruleId).sort()).toEqual(['info-license', 'no-empty-servers']);
  });
});
