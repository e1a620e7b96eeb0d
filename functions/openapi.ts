import { openApiDocument } from './api/openapi';
import { ALL_ROUTES, openApiRoute } from './api/contract/routes';
import { bind, httpHandler } from './http/http-handler';
import { ok } from './http/responses';

const document = openApiDocument(ALL_ROUTES);

export const handler = httpHandler([
  bind(openApiRoute, async () => ok(document, { 'cache-control': 'public, max-age=300' })),
]);
