/** The OAuth clients and the named administrators of the local token issuer (demo data). Never deployed. */
export interface LocalClient {
  clientId: string;
  secret: string;
  scope: 'eat/admin' | 'eat/agent';
  /** An administrator client's security domains: `['*']` for all of them; none when absent. */
  domains?: string[];
  description: string;
}

export const LOCAL_CLIENTS: readonly LocalClient[] = [
  {
    clientId: 'helpdesk',
    secret: 'helpdesk-secret',
    scope: 'eat/admin',
    domains: ['*'],
    description: 'administrator, all domains',
  },
  {
    clientId: 'helpdesk-sales',
    secret: 'helpdesk-sales-secret',
    scope: 'eat/admin',
    domains: ['Sales'],
    description: 'administrator of the Sales domain',
  },
  {
    clientId: 'win-agent-1',
    secret: 'win-agent-1-secret',
    scope: 'eat/agent',
    description: 'agent with offline authentication',
  },
  {
    clientId: 'web-agent',
    secret: 'web-agent-secret',
    scope: 'eat/agent',
    description: 'agent without offline authentication',
  },
];

/**
 * The public app client people sign in through (authorization code with PKCE, no secret), as the
 * deployed console client is: its tokens name the person, and the audit records this client as `via`.
 */
export const CONSOLE_CLIENT_ID = 'eat-console';

/** A named administrator who signs in through the console client. */
export interface LocalUser {
  username: string;
  password: string;
  /** The identity provider's stable subject id. */
  sub: string;
  /** `['*']` for all security domains. */
  domains: string[];
  description: string;
}

export const LOCAL_USERS: readonly LocalUser[] = [
  {
    username: 'jane.admin',
    password: 'jane-password',
    sub: 'f3b5d7a0-1c2e-4b6a-9d8e-0000000000a1',
    domains: ['*'],
    description: 'administrator, all domains',
  },
  {
    username: 'sam.sales',
    password: 'sam-password',
    sub: 'f3b5d7a0-1c2e-4b6a-9d8e-0000000000a2',
    domains: ['Sales'],
    description: 'administrator of the Sales domain',
  },
];
