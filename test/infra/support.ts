/**
 * Builds the real app for assertions, from cdk.json's context plus overrides, the way `cdk synth` does.
 *
 * Bundling: the assertion tests skip esbuild with CDK's own switch, the `aws:cdk:bundling-stacks` context
 * (`[]`: no stack needs its assets bundled; `cdk deploy -e <stack>` uses the same switch for the stacks it
 * does not deploy). Everything else is synthesized as deployed, including each function's entry file,
 * which must exist. Real bundling is exercised by bundling.test.ts and by `npm run synth`.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readConfig, type DeploymentConfig } from '../../infra/config';
import { buildEmergencyAccessApp, type EmergencyAccessStacks } from '../../infra/emergency-access-app';
import { functionCatalog, PROJECT_ROOT, type FunctionCatalog } from '../../infra/function-catalog';

export const ACCOUNT = '123456789012';

export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8'),
).context;

export interface SynthesizedApp {
  app: App;
  config: DeploymentConfig;
  catalog: FunctionCatalog;
  stacks: EmergencyAccessStacks;
  template(stack: Stack): Template;
  /** The warnings annotated on a stack's constructs, with their construct paths. */
  warnings(stack: Stack): { path: string; message: string }[];
  /** Every stack's template as JSON. */
  templates(): { stack: Stack; json: TemplateJson }[];
}

export interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }>;
  Outputs?: Record<string, { Value: unknown }>;
}

export function buildApp(
  overrides: Record<string, unknown> = {},
  options: { bundle?: boolean; catalog?: FunctionCatalog } = {},
): SynthesizedApp {
  const context: Record<string, unknown> = { ...CDK_JSON_CONTEXT, account: ACCOUNT, ...overrides };
  if (options.bundle !== true) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ context });
  const config = readConfig((key) => app.node.tryGetContext(key));
  const catalog = options.catalog ?? functionCatalog();
  const stacks = buildEmergencyAccessApp(app, config, catalog);
  // One synth for all the stacks: Template.fromStack would synthesize the whole app again for each.
  let assembly: CloudAssembly | undefined;
  const artifactOf = (stack: Stack) => (assembly ??= app.synth()).getStackArtifact(stack.artifactId);
  const cache = new Map<Stack, Template>();
  const template = (stack: Stack) => {
    let t = cache.get(stack);
    if (t === undefined) {
      t = Template.fromJSON(artifactOf(stack).template as Record<string, unknown>);
      cache.set(stack, t);
    }
    return t;
  };
  const warnings = (stack: Stack) =>
    artifactOf(stack)
      .messages.filter((m) => m.level === 'warning')
      .map((m) => ({ path: m.id, message: String(m.entry.data) }));
  const all = (): Stack[] => [
    ...(stacks.sealingKey ? [stacks.sealingKey] : []),
    ...stacks.sealingKeyReplicas.values(),
    stacks.tokenTable,
    ...(stacks.identity ? [stacks.identity] : []),
    ...stacks.regionalApis.values(),
  ];
  return {
    app,
    config,
    catalog,
    stacks,
    template,
    warnings,
    templates: () => all().map((stack) => ({ stack, json: template(stack).toJSON() as TemplateJson })),
  };
}

export function resourcesOf(json: TemplateJson, type: string) {
  return Object.entries(json.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => ({ id, ...r, Properties: r.Properties ?? {} }));
}

/** The policy statements of a template's IAM policies and roles' inline policies. */
export function iamStatementsOf(json: TemplateJson): { resource: string; statement: Statement }[] {
  const out: { resource: string; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(json.Resources)) {
    const props = (r.Properties ?? {}) as Record<string, unknown>;
    const docs: unknown[] = [];
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      docs.push(props.PolicyDocument);
    if (r.Type === 'AWS::IAM::Role') {
      for (const p of (props.Policies as { PolicyDocument: unknown }[] | undefined) ?? [])
        docs.push(p.PolicyDocument);
    }
    for (const doc of docs) {
      for (const statement of (doc as { Statement: Statement[] }).Statement)
        out.push({ resource: id, statement });
    }
  }
  return out;
}

/** The statements of the IAM policies attached to the role with logical id `roleId`. */
export function statementsAttachedTo(json: TemplateJson, roleId: string): Statement[] {
  return resourcesOf(json, 'AWS::IAM::Policy')
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
export const resourcesOfStatement = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
