/** The OAuth clients of the local token issuer (the demo data, README "Local system"). Never deployed. */
export interface LocalClient {
  clientId: string;
  secret: string;
  scope: 'eat/admin' | 'eat/agent';
  /** For administrators confined to some security domains. */
  domains?: string[];
  description: string;
}

export const LOCAL_CLIENTS: readonly LocalClient[] = [
  {
    clientId: 'helpdesk',
    secret: 'helpdesk-secret',
    scope: 'eat/admin',
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
