import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { API_ROUTES, allowedMethods, type ApiRoutePattern } from '../src/http/routes';
import { buildOpenApiDocument, openApiPath, type Operation } from '../src/openapi/document';
import { openApiResponse } from '../src/openapi/http';
import { OPERATIONS } from '../src/openapi/operations';

const document = buildOpenApiDocument();
const patterns = Object.keys(API_ROUTES) as ApiRoutePattern[];

/** Every operation in the document, with its path and (lower-case) method. */
function operations(): { path: string; method: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([key]) => key !== 'parameters')
      .map(([method, operation]) => ({ path, method, operation: operation as Operation })),
  );
}

describe('the operation table', () => {
  test('describes exactly the operations of API_ROUTES, so a new route cannot go undocumented', () => {
    const described = Object.entries(OPERATIONS).flatMap(([pattern, methods]) =>
      Object.keys(methods).map((method) => `${method} ${pattern}`),
    );
    const served = Object.entries(API_ROUTES).flatMap(([pattern, methods]) =>
      methods.map((method) => `${method} ${pattern}`),
    );
    assert.deepEqual(described.sort(), served.sort());
  });
});

describe('the OpenAPI document', () => {
  test('is valid OpenAPI 3.1 for an independent validator', async () => {
    const result = await new Validator().validate(
      JSON.parse(JSON.stringify(document)) as Record<string, unknown>,
    );
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.match(document.openapi, /^3\.1\./);
  });

  test('the validator would notice a broken document (so the test above means something)', async () => {
    const broken = structuredClone(document) as unknown as { paths: Record<string, Record<string, unknown>> };
    (broken.paths['/api/hello'] as Record<string, unknown>).get = { responses: { 200: {} } };
    assert.equal((await new Validator().validate(broken)).valid, false);
  });

  test('has every route, with exactly the methods the method guard allows', () => {
    assert.deepEqual(Object.keys(document.paths).sort(), patterns.map(openApiPath).sort());
    for (const pattern of patterns) {
      const item = document.paths[openApiPath(pattern)] ?? {};
      const documented = Object.keys(item).filter((key) => key !== 'parameters');
      assert.deepEqual(
        documented.map((method) => method.toUpperCase()).sort(),
        allowedMethods(pattern),
        pattern,
      );
      assert.deepEqual(item.options?.responses['204']?.headers, {
        Allow: { $ref: '#/components/headers/Allow' },
      });
    }
  });

  test('every $ref points at something in the document', () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map(
      (match) => match[1] as string,
    );
    assert.ok(refs.length > 20);
    for (const ref of new Set(refs)) {
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
      assert.ok(target, `${ref} does not resolve`);
    }
  });

  test('operation ids are unique', () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    assert.equal(new Set(ids).size, ids.length);
  });

  test('errors are problem+json with the problem schema; 2xx bodies are JSON', () => {
    for (const { path, method, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const mediaTypes = Object.keys(response.content ?? {});
        if (method === 'head' || status === '204' || status === '304') {
          assert.deepEqual(mediaTypes, [], `${method} ${path} ${status} has no body`);
        } else if (Number(status) >= 400) {
          assert.deepEqual(mediaTypes, ['application/problem+json'], `${method} ${path} ${status}`);
          const schema = response.content?.['application/problem+json']?.schema.$ref;
          assert.match(schema ?? '', /^#\/components\/schemas\/(Problem|HealthProblem)$/);
        } else {
          assert.deepEqual(mediaTypes, ['application/json'], `${method} ${path} ${status}`);
        }
      }
    }
    assert.deepEqual(document.components.schemas.Problem?.required, ['type', 'title', 'status', 'detail']);
    assert.ok(document.components.schemas.Problem?.properties?.errors);
  });

  test('the headers clients rely on are documented where they are sent', () => {
    const headersOf = (path: string, method: 'get' | 'post' | 'put' | 'patch', status: string) =>
      Object.keys(document.paths[path]?.[method]?.responses[status]?.headers ?? {});
    assert.deepEqual(headersOf('/api/posts', 'post', '201').sort(), [
      'ETag',
      'Idempotent-Replayed',
      'Location',
    ]);
    assert.deepEqual(headersOf('/api/posts', 'get', '200'), ['Link']);
    assert.deepEqual(headersOf('/api/messages', 'get', '200'), ['Link']);
    assert.deepEqual(headersOf('/api/posts/{id}', 'get', '200'), ['ETag']);
    assert.deepEqual(headersOf('/api/posts/{id}', 'put', '200'), ['ETag']);
    assert.deepEqual(headersOf('/api/posts/{id}', 'patch', '200'), ['ETag']);
    assert.deepEqual(headersOf('/api/posts/{id}', 'get', '304'), ['ETag']);
    assert.deepEqual(headersOf('/api/posts', 'post', '401'), ['WWW-Authenticate']);
    assert.equal(document.components.headers.Link?.required, false);
    assert.equal(document.components.headers.ETag?.required, true);
  });

  test('paging parameters and filters come from the query schema', () => {
    const parameters = Object.fromEntries(
      (document.paths['/api/posts']?.get?.parameters ?? []).map((parameter) => [
        'name' in parameter ? parameter.name : parameter.$ref,
        parameter,
      ]),
    );
    assert.deepEqual(Object.keys(parameters).sort(), ['author', 'cursor', 'limit', 'q']);
    assert.deepEqual(parameters.limit, {
      name: 'limit',
      in: 'query',
      required: false,
      description: 'How many items to return, 1 to 100.',
      schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    });
    assert.equal(
      parameters.cursor && 'schema' in parameters.cursor && parameters.cursor.schema.type,
      'string',
    );
    const messageParameters = document.paths['/api/messages']?.get?.parameters ?? [];
    assert.deepEqual(
      messageParameters.map((parameter) => ('name' in parameter ? parameter.name : parameter.$ref)),
      ['limit', 'cursor'],
    );
    assert.deepEqual(document.paths['/api/posts/{id}']?.parameters?.[0]?.schema, {
      type: 'integer',
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
    });
  });

  test('request bodies are the Valibot schemas as sent, closed to unknown fields', () => {
    const { PostInput, PostPatch } = document.components.schemas;
    assert.deepEqual(PostInput?.required, ['title', 'body']);
    assert.equal(PostInput?.additionalProperties, false);
    assert.equal(PostPatch?.additionalProperties, false);
    assert.match(String(PostPatch?.description), /at least one field/);
    const title = PostInput?.properties?.title as { maxLength?: number; description?: string };
    assert.equal(title.maxLength, 200);
    assert.match(String(title.description), /white space is removed/);
    assert.deepEqual(
      document.paths['/api/posts/{id}']?.patch?.requestBody?.content['application/json']?.schema,
      {
        $ref: '#/components/schemas/PostPatch',
      },
    );
  });

  test('security: post writes take the token when configured; the message list always needs it', () => {
    assert.deepEqual(document.components.securitySchemes.bearer, {
      type: 'http',
      scheme: 'bearer',
      description: 'The API_TOKEN configured on the server.',
    });
    for (const method of ['post'] as const) {
      assert.deepEqual(document.paths['/api/posts']?.[method]?.security, [{ bearer: [] }, {}]);
    }
    for (const method of ['put', 'patch', 'delete'] as const) {
      assert.deepEqual(document.paths['/api/posts/{id}']?.[method]?.security, [{ bearer: [] }, {}]);
    }
    assert.deepEqual(document.paths['/api/messages']?.get?.security, [{ bearer: [] }]);
    assert.equal(document.paths['/api/posts']?.get?.security, undefined);
  });
});

describe('GET /api/openapi.json', () => {
  const request = (headers: Record<string, string> = {}) =>
    new Request('http://localhost/api/openapi.json', { headers });

  test('serves the document as JSON, cacheable, with a strong ETag of its bytes; If-None-Match → 304', async () => {
    const response = openApiResponse(request());
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.match(response.headers.get('cache-control') ?? '', /^public, max-age=\d+$/);
    const etag = response.headers.get('etag') ?? '';
    assert.match(etag, /^"[A-Za-z0-9_-]{20,}"$/);
    assert.deepEqual(await response.json(), JSON.parse(JSON.stringify(document)));

    assert.equal(openApiResponse(request()).headers.get('etag'), etag, 'the same bytes, the same tag');
    const notModified = openApiResponse(request({ 'if-none-match': `"other", ${etag}` }));
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.get('etag'), etag);
    assert.equal(await notModified.text(), '');
    assert.equal(openApiResponse(request({ 'if-none-match': '"other"' })).status, 200);
  });
});
