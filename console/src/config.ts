/**
 * The console's settings, read from `config.json` next to it: where administrators sign in (an OAuth
 * authorization server, authorization code with PKCE), the public app client, and the API base of each
 * region. The local system serves one for its issuer and its two regions; a deployment writes its own.
 */
export interface RegionSetting {
  name: string;
  apiBase: string;
}

export interface ConsoleConfig {
  auth: {
    authorizeUrl: string;
    tokenUrl: string;
    clientId: string;
    scope: string;
    /** Where to send the browser to end the identity provider's session too (Cognito's /logout). */
    logoutUrl?: string;
  };
  regions: RegionSetting[];
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

export function parseConfig(value: unknown): ConsoleConfig {
  const config = value as Partial<ConsoleConfig> | null;
  const auth = config?.auth;
  const regions = config?.regions;
  if (
    !auth ||
    !isText(auth.authorizeUrl) ||
    !isText(auth.tokenUrl) ||
    !isText(auth.clientId) ||
    !isText(auth.scope) ||
    !Array.isArray(regions) ||
    regions.length === 0 ||
    !regions.every((r) => isText(r?.name) && isText(r?.apiBase))
  ) {
    throw new Error('config.json lacks auth.authorizeUrl, tokenUrl, clientId, scope or regions');
  }
  return config as ConsoleConfig;
}
