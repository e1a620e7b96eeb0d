/**
 * The audit export's signing key in the synthesized app: an ECC_NIST_P256 SIGN_VERIFY key per region, whose
 * kms:Sign only the export function's role has (with ECDSA_SHA_256), the export function's grant to
 * append its own audit event (audit items only), and the audit trail function's append-only grant on chain
 * link items.
 */
import { AUDIT_ITEM_ATTRIBUTES } from '../../infra/constructs/service-function';
import { AUDIT_CHAIN_ITEM_ATTRIBUTES } from '../../infra/stacks/regional-api-stack';
import { AUDIT_TRAIL_FUNCTION } from '../../infra/constructs/identity-events';
import { functionName, functionRoleName } from '../../infra/names';
import { buildApp, resourcesOf, statementsAttachedTo, type TemplateJson } from './support';

const built = buildApp();
const { config, stacks } = built;
const regional = [...stacks.regionalApis.entries()].map(([region, stack]) => ({
  region,
  json: built.template(stack).toJSON() as TemplateJson,
}));

describe('the audit signing key', () => {
  it('is an ECDSA P-256 signing key in every region', () => {
    for (const { json } of regional) {
      const keys = resourcesOf(json, 'AWS::KMS::Key').filter((k) => k.Properties.KeyUsage === 'SIGN_VERIFY');
      expect(keys).toHaveLength(1);
      expect(keys[0]!.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', PendingWindowInDays: 30 });
    }
  });

  it('only the export function may sign with it, and only ECDSA_SHA_256', () => {
    for (const { region, json } of regional) {
      const [key] = resourcesOf(json, 'AWS::KMS::Key').filter((k) => k.Properties.KeyUsage === 'SIGN_VERIFY');
      const signers = resourcesOf(json, 'AWS::IAM::Role').filter((role) =>
        statementsAttachedTo(json, role.id).some((s) => [s.Action].flat().includes('kms:Sign')),
      );
      expect(signers.map((r) => r.Properties.RoleName)).toEqual([
        functionRoleName(config.namePrefix, 'admin-audit-export', region),
      ]);
      const statement = statementsAttachedTo(json, signers[0]!.id).find((s) => s.Sid === 'SignAuditExports')!;
      expect(statement).toMatchObject({
        Action: 'kms:Sign',
        Resource: { 'Fn::GetAtt': [key!.id, 'Arn'] },
        Condition: { StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256' } },
      });
      const [fn] = resourcesOf(json, 'AWS::Lambda::Function').filter(
        (f) => f.Properties.FunctionName === functionName(config.namePrefix, 'admin-audit-export'),
      );
      expect(
        statementsAttachedTo(json, signers[0]!.id).find((s) => s.Sid === 'ReadAuditSigningPublicKey'),
      ).toMatchObject({
        Action: 'kms:GetPublicKey',
        Resource: { 'Fn::GetAtt': [key!.id, 'Arn'] },
      });
      expect(JSON.stringify(fn!.Properties.Environment)).toContain('AUDIT_SIGNING_KEY_ARN');
      // No other function is told the key.
      const told = resourcesOf(json, 'AWS::Lambda::Function').filter((f) =>
        JSON.stringify(f.Properties.Environment ?? {}).includes('AUDIT_SIGNING_KEY_ARN'),
      );
      expect(told).toHaveLength(1);
    }
  });

  it('the export function may put audit event items only (it audits each export): their attributes, token partitions', () => {
    for (const { region, json } of regional) {
      const [role] = resourcesOf(json, 'AWS::IAM::Role').filter(
        (r) => r.Properties.RoleName === functionRoleName(config.namePrefix, 'admin-audit-export', region),
      );
      const puts = statementsAttachedTo(json, role!.id).filter((s) =>
        [s.Action].flat().includes('dynamodb:PutItem'),
      );
      expect(puts).toEqual([
        expect.objectContaining({
          Sid: 'AppendAuditEvents',
          Action: 'dynamodb:PutItem',
          Condition: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TOKEN#*'] },
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...AUDIT_ITEM_ATTRIBUTES] },
            StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
          },
        }),
      ]);
      expect([...AUDIT_ITEM_ATTRIBUTES].sort()).toEqual(
        [
          'action',
          'actor',
          'at',
          'details',
          'outcome',
          'pk',
          'region',
          'requestId',
          'serial',
          'sk',
          'ttl',
        ].sort(),
      );
    }
  });

  it('the audit trail function may put chain link items only: their attributes, token partitions, no return values', () => {
    for (const { region, json } of regional) {
      const [role] = resourcesOf(json, 'AWS::IAM::Role').filter(
        (r) => r.Properties.RoleName === functionRoleName(config.namePrefix, AUDIT_TRAIL_FUNCTION, region),
      );
      const puts = statementsAttachedTo(json, role!.id).filter((s) =>
        [s.Action].flat().includes('dynamodb:PutItem'),
      );
      expect(puts).toEqual([
        expect.objectContaining({
          Sid: 'AppendAuditChainLinks',
          Action: 'dynamodb:PutItem',
          Condition: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TOKEN#*'] },
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...AUDIT_CHAIN_ITEM_ATTRIBUTES] },
            StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
          },
        }),
      ]);
      expect(AUDIT_CHAIN_ITEM_ATTRIBUTES).not.toContain('sealedCode');
      expect(AUDIT_CHAIN_ITEM_ATTRIBUTES).not.toContain('registers');
    }
  });
});
