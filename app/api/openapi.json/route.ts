import * as v from 'valibot';
import { IfNoneMatch } from '@/src/http/etag';
import { apiRoutes, operation, route } from '@/src/http/route';
import { openApiResponse } from '@/src/openapi/http';

declare const require: {
  context(
    directory: string,
    recursive: boolean,
    filter: RegExp,
  ): { keys(): string[]; (key: string): unknown };
};

/** Every route file under app/api, as the bundler lists them: the document has every route there is. */
function routes() {
  const files = require.context('..', true, /\/route\.ts$/);
  return apiRoutes(files.keys().map((file) => [file, files(file)]));
}

/** The body of this operation: the document itself, described only as far as a client relies on it. */
const OpenApiDocument = v.pipe(
  v.looseObject({
    openapi: v.pipe(v.string(), v.startsWith('3.1.')),
    info: v.looseObject({ title: v.string(), version: v.string() }),
    paths: v.record(v.string(), v.record(v.string(), v.unknown())),
  }),
  v.title('OpenApiDocument'),
  v.description('An OpenAPI 3.1 document: this one.'),
);

const describe = operation({
  operationId: 'getOpenApiDocument',
  summary: 'This API description',
  description:
    'OpenAPI 3.1, generated from the declarations the server validates with. Cacheable; revalidate with its ETag.',
  tag: 'Service',
  access: 'public',
  database: false,
  headers: v.object({ 'If-None-Match': v.optional(IfNoneMatch) }),
  responses: {
    200: { description: 'The document.', body: OpenApiDocument, headers: ['ETag', 'Cache-Control'] },
    304: { description: 'The copy the client has is current.', headers: ['ETag', 'Cache-Control'] },
  },
  async handle({ headers }) {
    return openApiResponse(routes, headers['If-None-Match']);
  },
});

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route({ GET: describe });
