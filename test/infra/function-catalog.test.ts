import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ALL_ROUTES } from '../../functions/api/contract/routes';
import { ROUTE_GROUPS, type RouteDefinition } from '../../functions/api/contract/route';
import { FUNCTION_ENTRIES, type FunctionName } from '../../functions/registry';
import { INDEX } from '../../shared/adapters/dynamodb/table-schema';
import {
  FUNCTION_DECLARATIONS,
  MissingHandlerError,
  STATIC_ROUTE_GROUPS,
  PROJECT_ROOT,
  functionCatalog,
  routeGroupsOf,
  undeclaredAccess,
} from '../../infra/function-catalog';
import { buildApp } from './support';

/** A route of any group, registered or not: the catalog is also handed groups the registry lacks. */
const route = (overrides: Partial<Omit<RouteDefinition, 'group'>> & { group?: string }): RouteDefinition =>
  ({
    operationId: 'op',
    method: 'GET',
    path: '/v1/things',
    scope: 'eat/admin',
    group: 'things',
    summary: '',
    response: { status: 200, schema: undefined as never, description: '' },
    ...overrides,
  }) as RouteDefinition;

/**
 * A registry of the given handler modules (stubs in a folder: bundling is skipped). NodejsFunction wants
 * its entry under the project root, so the folder lies in node_modules/.cache, which git ignores.
 */
const CACHE = path.join(PROJECT_ROOT, 'node_modules', '.cache');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
function functionEntries(...names: string[]): Record<string, string> {
  mkdirSync(CACHE, { recursive: true });
  const dir = mkdtempSync(path.join(CACHE, 'eat-infra-test-functions-'));
  made.push(dir);
  const entries: Record<string, string> = {};
  for (const name of names) {
    entries[name] = path.join(dir, `${name}.ts`);
    writeFileSync(entries[name], 'export const handler = async () => ({});\n');
  }
  return entries;
}

describe('function catalog', () => {
  it('groups the routes of ALL_ROUTES by their group, in route-table order', () => {
    const groups = routeGroupsOf(ALL_ROUTES);
    expect([...groups.keys()]).toEqual([...new Set(ALL_ROUTES.map((r) => r.group))]);
    expect([...groups.values()].flat()).toHaveLength(ALL_ROUTES.length);
  });

  it('declares only indexes that table-schema.ts defines', () => {
    for (const declaration of Object.values(FUNCTION_DECLARATIONS)) {
      for (const index of declaration.access.indexes) expect(Object.keys(INDEX)).toContain(index);
      if (declaration.access.deletes) expect(declaration.access.table).toBe('read-write');
    }
  });

  it('wires a new route group with no change to the infrastructure code', () => {
    const routes = [
      ...ALL_ROUTES,
      route({ operationId: 'listWidgets', group: 'admin-widgets', path: '/v1/widgets' }),
      route({ operationId: 'putWidget', group: 'admin-widgets', method: 'PUT', path: '/v1/widgets/{id}' }),
    ];
    const groups = [...new Set(ALL_ROUTES.map((r) => r.group)), 'admin-widgets', 'sweep'];
    const entries = functionEntries(...groups);
    const catalog = functionCatalog(routes, entries);
    const widgets = catalog.routeGroups.find((s) => s.name === 'admin-widgets')!;
    expect(widgets).toMatchObject({
      entry: entries['admin-widgets'],
      declared: false,
      access: { table: 'read-write', indexes: [], opens: [], seals: [], deletes: false },
    });
    expect(widgets.routes.map((r) => r.operationId)).toEqual(['listWidgets', 'putWidget']);

    const { stacks, template, warnings } = buildApp({}, { catalog });
    for (const stack of stacks.regionalApis.values()) {
      template(stack).hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'PUT /v1/widgets/{id}',
        AuthorizationType: 'JWT',
        AuthorizationScopes: ['eat/admin'],
      });
      template(stack).hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'eat-admin-widgets' });
      expect(warnings(stack)).toContainEqual({
        path: `/${stack.stackName}/AdminWidgetsFunction`,
        message: expect.stringMatching(/^admin-widgets: no data access declared/),
      });
    }
  });

  it('gives an undeclared group the narrowest access its routes suggest', () => {
    expect(undeclaredAccess([route({})])).toMatchObject({ table: 'read', indexes: [], opens: [], seals: [] });
    expect(undeclaredAccess([route({ audit: 'emergency-access.view' })]).table).toBe('read-write');
    expect(undeclaredAccess([route({ method: 'POST' })]).table).toBe('read-write');
    expect(undeclaredAccess([route({ scope: null })]).table).toBe('none');
  });

  it('refuses a route group that the function registry does not have', () => {
    const entries = functionEntries('sweep');
    expect(() => functionCatalog([route({ group: 'admin-missing' })], entries)).toThrow(MissingHandlerError);
    expect(() => functionCatalog([route({ group: 'admin-missing' })], entries)).toThrow(
      /"admin-missing" has no handler module in the function registry/,
    );
  });

  it('takes every function of the registry, each from its own module', () => {
    const catalog = functionCatalog();
    const served = ROUTE_GROUPS.filter((group) => !STATIC_ROUTE_GROUPS.has(group));
    expect(new Set(catalog.all.map((spec) => spec.name))).toEqual(new Set([...served, 'sweep']));
    for (const spec of catalog.all) expect(spec.entry).toBe(FUNCTION_ENTRIES[spec.name as FunctionName]);
    for (const entry of Object.values(FUNCTION_ENTRIES)) expect(existsSync(entry)).toBe(true);
  });

  it('refuses a missing sweep, and a route group named like it', () => {
    expect(() => functionCatalog([route({ group: 'things' })], functionEntries('things'))).toThrow(/sweep/);
    expect(() => functionCatalog([route({ group: 'sweep' })], functionEntries('sweep'))).toThrow(/sweep/);
  });

  it('refuses a group that is not a file name', () => {
    expect(() => routeGroupsOf([route({ group: '../secrets' })])).toThrow(/not a lower-case file name/);
  });
});
