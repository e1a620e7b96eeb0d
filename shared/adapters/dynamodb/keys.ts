/** Key values of the single table (see table-schema.ts). */

/** Lower-case, accents and `#` removed: what name prefixes are matched on. */
export function normalizeName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/#/g, ' ')
    .trim()
    .toLowerCase();
}

export const tokenPk = (serial: string) => `TOKEN#${serial}`;
export const userPk = (userId: string) => `USER#${userId.toLowerCase()}`;
export const domainPk = (id: string) => `DOMAIN#${id}`;
export const agentPk = (id: string) => `AGENT#${id}`;

export const SK = {
  profile: 'PROFILE',
  token: 'STATE#TOKEN',
  settings: 'STATE#EAT_SETTINGS',
  issued: 'STATE#EAT_ISSUED',
  lockout: 'STATE#LOCKOUT',
  statePrefix: 'STATE#',
  auditPrefix: 'AUDIT#',
  offlinePrefix: 'OFFLINE#',
} as const;

export const offlineSk = (agentId: string) => `${SK.offlinePrefix}${agentId}`;

export function nameKey(first: string, second: string, serial: string): string {
  return `${normalizeName(first)}#${normalizeName(second)}#${serial}`;
}

/** The expiry index's day bucket of an ISO time. */
export function expiryDayOf(isoTime: string): string {
  return isoTime.slice(0, 10);
}
