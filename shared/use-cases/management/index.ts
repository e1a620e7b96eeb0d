/**
 * Management: security domains, users, token import and assignment, PINs, agents (docs/api.md "Management
 * API"). Every write is the store's conditional put on the version read; every change to a token is
 * audited as `token.manage` (never with a seed or a PIN). What lies outside the administrator's domains
 * answers 404 exactly as if it did not exist; domains and agents are changed by all-domains
 * administrators only.
 */
export { type Stored } from './stored';
export * from './domains';
export * from './users';
export { type ManagedToken } from './token-changes';
export * from './tokens';
export * from './pins';
export * from './agents';
