/**
 * The console's content security policy, the same locally (local/console.ts) and deployed (the
 * CloudFront response headers policy of infra/stacks/console-stack.ts): its own script and style only,
 * no inline script, and connections to itself and to the origins named (other regions, the token
 * endpoint of the identity provider).
 */
export function consoleContentSecurityPolicy(connectTo: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    ["connect-src 'self'", ...connectTo].join(' '),
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
