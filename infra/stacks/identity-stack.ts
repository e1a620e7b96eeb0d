/**
 * The optional identity provider, for deployments without one of their own (off when the context gives
 * `oidcIssuer`): a Cognito user pool in the primary region that issues the JWTs every region's HTTP API
 * accepts. A resource server `eat` defines the two scopes, `eat/admin` and `eat/agent`:
 *
 * - the help-desk console's app client: authorization code with PKCE (no secret), scope `eat/admin`, for
 *   administrators, who sign in with a password and a TOTP second factor;
 * - one app client per authentication agent: OAuth client credentials (with a secret), scope
 *   `eat/agent`; the client id is the agent id the API sees (its `client_id`).
 *
 * Administrators' security domains are groups (functions/http/claims.ts reads `cognito:groups`):
 * `eat-all-domains`, and `eat-domain-<id>` for each configured domain (`cognitoAdminDomains`). A person in
 * no such group sees no domain.
 *
 * Cognito access tokens carry `client_id` instead of `aud`; the JWT authorizers accept the listed client
 * ids as the audience. Stateful: retained on stack deletion, with deletion protection.
 */
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, Aws, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';
import { ALL_DOMAINS_GROUP, DOMAIN_GROUP_PREFIX } from '../../functions/http/claims';
import type { CognitoIdentity } from '../config';

export interface IdentityStackProps extends StackProps {
  namePrefix: string;
  identity: CognitoIdentity;
}

/** What the HTTP APIs need to verify the pool's tokens. */
export interface JwtIssuer {
  issuer: string;
  adminAudience: string[];
  agentAudience: string[];
}

export const RESOURCE_SERVER = 'eat';

export class IdentityStack extends Stack {
  readonly userPool: cognito.UserPool;
  readonly adminClient: cognito.UserPoolClient;
  readonly agentClients: cognito.UserPoolClient[];
  /** The groups that grant administrators their security domains. */
  readonly adminGroups: cognito.CfnUserPoolGroup[];
  readonly jwtIssuer: JwtIssuer;
  /** The hosted sign-in domain (authorize, token and logout endpoints). */
  readonly hostedDomain: cognito.UserPoolDomain;

  constructor(scope: Construct, id: string, props: IdentityStackProps) {
    super(scope, id, props);
    const { namePrefix, identity } = props;

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `${namePrefix}-emergency-access`,
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const adminScope = new cognito.ResourceServerScope({
      scopeName: 'admin',
      scopeDescription: 'Help-desk administrators: search, view, reset and manage emergency access',
    });
    const agentScope = new cognito.ResourceServerScope({
      scopeName: 'agent',
      scopeDescription: 'Authentication agents: online authentication and offline data download',
    });
    const resourceServer = this.userPool.addResourceServer('ResourceServer', {
      identifier: RESOURCE_SERVER,
      userPoolResourceServerName: 'Emergency access tokencodes API',
      scopes: [adminScope, agentScope],
    });

    const domain = (this.hostedDomain = this.userPool.addDomain('HostedDomain', {
      cognitoDomain: {
        domainPrefix: identity.domainPrefix ?? Fn.join('-', [namePrefix, 'tokencodes', Aws.ACCOUNT_ID]),
      },
    }));

    this.adminClient = this.userPool.addClient('HelpDeskConsoleClient', {
      userPoolClientName: 'help-desk-console',
      generateSecret: false,
      authFlows: {},
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.minutes(30),
      idTokenValidity: Duration.minutes(30),
      refreshTokenValidity: Duration.hours(8),
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [
          cognito.OAuthScope.OPENID,
          cognito.OAuthScope.EMAIL,
          cognito.OAuthScope.resourceServer(resourceServer, adminScope),
        ],
        callbackUrls: identity.adminCallbackUrls,
        logoutUrls: identity.adminCallbackUrls,
      },
    });

    this.agentClients = identity.agentClientNames.map((clientName) =>
      this.userPool.addClient(`AgentClient-${clientName}`, {
        userPoolClientName: clientName,
        generateSecret: true,
        authFlows: {},
        enableTokenRevocation: true,
        accessTokenValidity: Duration.minutes(60),
        supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
        oAuth: {
          flows: { clientCredentials: true },
          scopes: [cognito.OAuthScope.resourceServer(resourceServer, agentScope)],
        },
      }),
    );

    this.adminGroups = [
      {
        id: 'AllDomainsGroup',
        name: ALL_DOMAINS_GROUP,
        description: 'Administrators of every security domain',
      },
      ...identity.adminDomains.map((domainId) => ({
        id: `DomainGroup-${domainId}`,
        name: `${DOMAIN_GROUP_PREFIX}${domainId}`,
        description: `Administrators of the security domain ${domainId}`,
      })),
    ].map(
      ({ id, name, description }) =>
        new cognito.CfnUserPoolGroup(this, id, {
          userPoolId: this.userPool.userPoolId,
          groupName: name,
          description,
        }),
    );

    this.jwtIssuer = {
      issuer: this.userPool.userPoolProviderUrl,
      adminAudience: [this.adminClient.userPoolClientId],
      agentAudience: this.agentClients.map((c) => c.userPoolClientId),
    };

    new CfnOutput(this, 'JwtIssuer', { value: this.jwtIssuer.issuer, description: 'The JWT issuer (iss)' });
    new CfnOutput(this, 'TokenEndpoint', {
      value: `${domain.baseUrl()}/oauth2/token`,
      description: 'OAuth 2.0 token endpoint (client credentials for agents)',
    });
    new CfnOutput(this, 'HelpDeskConsoleClientId', { value: this.adminClient.userPoolClientId });
    this.agentClients.forEach(
      (client, i) =>
        new CfnOutput(this, `AgentClientId${i}`, {
          value: client.userPoolClientId,
          description: `Agent ${identity.agentClientNames[i]}: its client id is its agent id`,
        }),
    );
  }
}
