import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { JSON_BODY_LIMIT_BYTES } from '../src/http/body';
import type { ApiRoute, RouteHandler } from '../src/http/route';
import {
  buildOpenApiDocument,
  openApiPath,
  type OpenApiDocument,
  type Operation,
} from '../src/openapi/document';
import { openApiResponse } from '../src/openapi/http';
import { routeModules, walkedRoutes } from './support/routes';

let routes: ApiRoute[];
let document: OpenApiDocument;
before(async () => {
  routes = await walkedRoutes();
  document = buildOpenApiDocument(routes);
});

/** Every operation in the document, with its path and (lower-case) method. */
function operations(): { path: string; method: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([key]) => key !== 'parameters')
      .map(([method, operation]) => ({ path, method, operation: operation as Operation })),
  );
}

describe('the OpenAPI document, built from the route files', () => {
  test('is valid OpenAPI 3.1 for an independent validator', async () => {
    const result = await new Validator().validate(
      JSON.parse(JSON.stringify(document)) as Record<string, unknown>,
    );
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  });

  test('has every route file, with exactly the methods its OPTIONS answer allows', async () => {
    const served: string[] = [];
    for (const [file, module] of await routeModules()) {
      const options = module.OPTIONS as RouteHandler;
      if (Object.keys(options.operations).length === 0) continue; // the catch-all serves no operation
      const pattern = `/api/${file.slice(2, -'/route.ts'.length)}`;
      served.push(openApiPath(pattern));
      const response = await options(new Request('http://localhost/'), { params: Promise.resolve({}) });
      const allow = response.headers.get('allow')?.split(', ') ?? [];
      const documented = Object.keys(document.paths[openApiPath(pattern)] ?? {}).filter(
        (key) => key !== 'parameters',
      );
      assert.deepEqual(documented.map((method) => method.toUpperCase()).sort(), allow.sort(), pattern);
    }
    assert.deepEqual(Object.keys(document.paths).sort(), served.sort());
  });

  test('every $ref points at something in the document, and operation ids are unique', () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map(
      (match) => match[1] as string,
    );
    for (const ref of new Set(refs)) {
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
      assert.ok(target, `${ref} does not resolve`);
    }
    const ids = operations().map(({ operation }) => operation.operationId);
    assert.equal(new Set(ids).size, ids.length);
  });

  test('errors are problem+json; 2xx bodies are JSON; HEAD, 204 and 304 have none', () => {
    for (const { path, method, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const mediaTypes = Object.keys(response.content ?? {});
        const label = `${method} ${path} ${status}`;
        if (method === 'head' || status === '204' || status === '304')
          assert.deepEqual(mediaTypes, [], label);
        else if (Number(status) >= 400) assert.deepEqual(mediaTypes, ['application/problem+json'], label);
        else assert.deepEqual(mediaTypes, ['application/json'], label);
      }
    }
  });

  test('the answers a declaration implies are documented: access, parameters, body, database', () => {
    for (const { pattern, operations: declared } of routes) {
      for (const [method, declaration] of Object.entries(declared)) {
        const documented =
          document.paths[openApiPath(pattern)]?.[method.toLowerCase() as 'get']?.responses ?? {};
        const has = (status: number) =>
          assert.ok(documented[status], `${method} ${pattern} documents ${status}`);
        if (declaration.access === 'post-writes' || declaration.access === 'operator') has(401);
        if (declaration.access === 'same-origin') has(403);
        if (declaration.params || declaration.query || declaration.body) has(400);
        if (declaration.body) [413, 415, 422].forEach(has);
        if (declaration.database !== false) has(503);
      }
    }
  });

  test('the largest valid body fits under its operation’s cap, every character escaped', () => {
    for (const { pattern, operations: declared } of routes) {
      for (const [method, declaration] of Object.entries(declared)) {
        if (!declaration.body) continue;
        const schema =
          document.paths[openApiPath(pattern)]?.[method.toLowerCase() as 'post']?.requestBody?.content[
            'application/json'
          ]?.schema;
        const name = String(schema?.$ref).replace('#/components/schemas/', '');
        const properties = (document.components.schemas[name]?.properties ?? {}) as Record<
          string,
          { maxLength?: number }
        >;
        // {"key":"…",…}: each character as an escaped surrogate pair (\ud83d\ude00, 12 bytes), the worst JSON has.
        const largest =
          2 +
          Object.entries(properties).reduce(
            (total, [key, property]) => total + key.length + 6 + (property.maxLength ?? 0) * 12,
            0,
          );
        const cap = declaration.bodyLimit ?? JSON_BODY_LIMIT_BYTES;
        assert.ok(largest <= cap, `${method} ${pattern}: ${largest} bytes > ${cap}`);
      }
    }
  });

  test('request bodies are closed to unknown fields, as the server refuses them by name', () => {
    for (const { operation } of operations()) {
      const schema = operation.requestBody?.content['application/json']?.schema;
      if (!schema) continue;
      const name = String(schema.$ref).replace('#/components/schemas/', '');
      assert.equal(document.components.schemas[name]?.additionalProperties, false, name);
    }
  });
});

describe('GET /api/openapi.json', () => {
  test('serves the document as JSON, cacheable, with a strong ETag of its bytes; If-None-Match → 304', async () => {
    const response = openApiResponse(() => routes, undefined);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    const etag = response.headers.get('etag') ?? '';
    assert.match(etag, /^"[A-Za-z0-9_-]{20,}"$/);
    assert.deepEqual(await response.json(), JSON.parse(JSON.stringify(document)));
    const notModified = openApiResponse(() => routes, `"other", ${etag}`);
    assert.equal(notModified.status, 304);
    assert.equal(await notModified.text(), '');
    assert.equal(openApiResponse(() => routes, '"other"').status, 200);
  });
});
