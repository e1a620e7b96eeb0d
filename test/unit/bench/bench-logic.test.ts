import { compositionOf, esbuildOptionsOf, floorSource, groupOf, packageOf } from '../../../bench/bundles';
import { capturedItems, marshalledItem } from '../../../bench/population';
import { markdownTable } from '../../../bench/report';
import { issuedCodeItemOf, tokenItemOf } from '../../../shared/adapters/dynamodb/token-items';
import type { IssuedEmergencyCode, Token } from '../../../shared/domain/model';
import { median, quantile, summarize } from '../../../bench/stats';
import { distributionChart, escapeXml, lineChart, stackedBarChart } from '../../../bench/svg';
import { bundlingOptions } from '../../../infra/constructs/service-function';

/** Well-formed enough for a browser: one root, every tag closed in order, attributes quoted. */
function assertWellFormed(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = match;
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name!);
  }
  expect(stack).toEqual([]);
  // Nothing that looks like a tag was left unmatched by the pattern above.
  expect(svg.replace(/<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g, '')).not.toMatch(/[<>]/);
}

describe('stats', () => {
  it('interpolates quantiles between ranks', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([10, 20, 30, 40, 50], 0.9)).toBeCloseTo(46);
    expect(quantile([7], 0.9)).toBe(7);
    expect(() => quantile([], 0.5)).toThrow('no values');
    const summary = summarize([5, 1, 9, 3]);
    expect(summary).toMatchObject({ n: 4, median: 4, min: 1, max: 9 });
    expect(summary.p10).toBeCloseTo(1.6);
    expect(summary.p90).toBeCloseTo(7.8);
  });
});

describe('bundle composition', () => {
  it('groups metafile inputs by their innermost package', () => {
    expect(packageOf('node_modules/zod/v4/core/schemas.js')).toBe('zod');
    expect(packageOf('node_modules/@aws-sdk/client-kms/dist-es/index.js')).toBe('@aws-sdk/client-kms');
    expect(packageOf('node_modules/@smithy/core/node_modules/@smithy/util/x.js')).toBe('@smithy/util');
    expect(packageOf('shared/domain/totp.ts')).toBeNull();
    expect(groupOf('@aws-lambda-powertools/logger')).toBe('powertools');
    expect(groupOf('@middy/core')).toBe('middy');
    expect(groupOf(null)).toBe('own code');
    expect(groupOf('jose')).toBe('other');

    const composition = compositionOf({
      inputs: {},
      outputs: {
        'out/index.mjs': {
          bytes: 0,
          imports: [],
          exports: [],
          inputs: {
            'node_modules/zod/a.js': { bytesInOutput: 100 },
            'node_modules/zod/b.js': { bytesInOutput: 50 },
            'node_modules/@aws-sdk/client-dynamodb/c.js': { bytesInOutput: 70 },
            'functions/admin-view.ts': { bytesInOutput: 9 },
          },
        },
        'out/index.mjs.map': { bytes: 0, imports: [], exports: [], inputs: {} },
      },
    });
    expect(composition.byPackage).toEqual({ zod: 150, '@aws-sdk/client-dynamodb': 70, 'own code': 9 });
    expect(composition.byGroup).toMatchObject({ zod: 150, '@aws-sdk/*': 70, 'own code': 9, middy: 0 });
  });

  it('bundles with the options the CDK app gives every function, and refuses an option it does not know', () => {
    const options = esbuildOptionsOf(bundlingOptions(true));
    expect(options).toMatchObject({
      bundle: true,
      platform: 'node',
      format: 'esm',
      minify: true,
      sourcemap: true,
    });
    expect(options.external).toEqual([]);
    expect(esbuildOptionsOf(bundlingOptions(false)).sourcemap).toBeUndefined();
    expect(() => esbuildOptionsOf({ ...bundlingOptions(true), keepNames: true })).toThrow('keepNames');
  });

  it('makes a floor module of the named SDK clients only', () => {
    const source = floorSource(['@aws-sdk/client-dynamodb', '@aws-sdk/client-kms']);
    expect(source).toContain("import { DynamoDBClient } from '@aws-sdk/client-dynamodb';");
    expect(source).toContain("new KMSClient({ region: 'us-east-1' })");
  });
});

describe('SVG charts', () => {
  it('draws stacked bars with the totals and the units written out', () => {
    const svg = stackedBarChart({
      title: 'Bundles <minified>',
      unit: 'KiB',
      bars: [
        {
          label: 'admin-view',
          segments: [
            { name: 'zod', value: 444 },
            { name: 'own code', value: 31.5 },
          ],
        },
      ],
    });
    assertWellFormed(svg);
    expect(svg).toContain('Bundles &lt;minified&gt;');
    expect(svg).toContain('476 KiB');
    expect(svg).toContain('zod 444 KiB');
  });

  it('draws the scaling curve with each point labelled', () => {
    const svg = lineChart({
      title: 'Search',
      xLabel: 'tokens',
      yLabel: 'ms',
      series: [
        {
          name: 'p50',
          points: [
            { x: 1000, y: 260 },
            { x: 100_000, y: 1234.5 },
          ],
        },
      ],
    });
    assertWellFormed(svg);
    for (const text of ['>1,000<', '>100,000<', '>260<', '>1,235<', '>tokens<']) expect(svg).toContain(text);
  });

  it('draws each distribution with its median', () => {
    const svg = distributionChart({
      title: 'Latency',
      unit: 'ms',
      rows: [
        { label: 'view', values: [70, 73, 80, 75] },
        { label: 'bare GetItem & co', values: [7.7, 8, 9] },
      ],
    });
    assertWellFormed(svg);
    expect(svg).toContain('p50 74 ms');
    expect(svg).toContain('p50 8 ms');
    expect(svg).toContain('bare GetItem &amp; co');
  });

  it('escapes every character that would break the document', () => {
    expect(escapeXml('a<b>&"c"')).toBe('a&lt;b&gt;&amp;&quot;c&quot;');
  });
});

describe('report', () => {
  it('prints the table with a met column', () => {
    const table = markdownTable([
      { figure: 'view', now: '4 calls | 73 ms', goal: 'at most 3', met: false },
      { figure: 'scaling', now: 'x', goal: 'none', met: null },
    ]);
    expect(table.split('\n')).toEqual([
      '| figure | now | goal | met? |',
      '|---|---|---|---|',
      '| view | 4 calls \\| 73 ms | at most 3 | no |',
      '| scaling | x | none | - |',
    ]);
  });
});

describe('seeding', () => {
  it('writes the very items the token store writes for a token and an issued code', async () => {
    const token: Token = {
      serial: '900000000001',
      kind: 'securid',
      enabled: true,
      user: { userId: 'g1', firstName: 'Ann', lastName: 'Miller' },
      securityDomain: 'Sales',
      digits: 6,
      sealedSeed: { keyId: 'local:bench', ciphertext: 'c2VlZA' },
      pinVerifier: null,
      lastOnlineAuthenticationAt: null,
      version: 0,
    };
    const code: IssuedEmergencyCode = {
      serial: token.serial,
      generation: 1,
      sealedCode: { keyId: 'local:bench', ciphertext: 'Y29kZQ' },
      verifier: { algorithm: 'pbkdf2-sha256', iterations: 10_000, salt: 'c2FsdA', hash: 'aGFzaA' },
      issuedAt: '2027-03-01T00:00:00.000Z',
      expiresAt: '2027-03-15T00:00:00.000Z',
      state: 'active',
      usedAt: null,
      version: 0,
    };
    const written = await capturedItems(async (store) => {
      await store.saveToken(token);
      await store.saveIssuedCode(code);
    });
    expect(written).toEqual([marshalledItem(tokenItemOf(token)), marshalledItem(issuedCodeItemOf(code))]);
    expect(written[0]).toMatchObject({ lastNameShard: expect.anything(), version: { N: '1' } });
    expect(written[1]).toMatchObject({ expiryDay: { S: '2027-03-15' } });
  });
});
