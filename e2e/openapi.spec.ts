import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import { expect, test } from '@playwright/test';
import ts from 'typescript';
import { documentedOperations, fetchDocument, OPERATION_METHODS } from './support/openapi';
import { apiRoutePatterns } from './support/routes';

/** What the catch-all answers for an /api path that no route serves (a missing route, not a missing post). */
const NO_ROUTE = 'No API route exists at this address.';

/** A concrete URL for a path template; the id is one no post has, so that probing DELETE changes nothing. */
const concretePath = (templated: string) => templated.replace(/\{[^}]+\}/g, '999999999999');

test('GET /api/openapi.json is valid OpenAPI 3.1 for an independent validator', async ({ request }) => {
  const document = await fetchDocument(request);
  const result = await new Validator().validate(document as unknown as Record<string, unknown>);
  expect(result.errors ?? [], 'validator errors').toEqual([]);
  expect(result.valid).toBe(true);
  expect(document.openapi).toMatch(/^3\.1\./);
});

test('the document is cacheable, with a strong ETag; If-None-Match → 304; HEAD has no body', async ({
  request,
}) => {
  const response = await request.get('/api/openapi.json');
  expect(response.headers()['content-type']).toBe('application/json');
  expect(response.headers()['cache-control']).toMatch(/^public, max-age=\d+$/);
  const etag = response.headers()['etag'] as string;
  expect(etag).toMatch(/^"[^"]+"$/);
  const again = await request.get('/api/openapi.json', { headers: { 'If-None-Match': etag } });
  expect(again.status()).toBe(304);
  expect(again.headers()['etag']).toBe(etag);
  expect(await again.body()).toHaveLength(0);
  const head = await request.head('/api/openapi.json');
  expect(head.status()).toBe(200);
  expect(head.headers()['etag']).toBe(etag);
  expect(await head.body()).toHaveLength(0);
});

test('every documented operation exists on the running server, with exactly the documented methods', async ({
  request,
}) => {
  const document = await fetchDocument(request);
  for (const [templated, item] of Object.entries(document.paths)) {
    const url = concretePath(templated);
    const documented = OPERATION_METHODS.filter((method) => item[method]).map((method) =>
      method.toUpperCase(),
    );

    // The method guard's Allow header is the server's own list of what this path serves.
    const options = await request.fetch(url, { method: 'OPTIONS' });
    expect(options.status(), `OPTIONS ${url}`).toBe(204);
    expect(options.headers()['allow']?.split(', ').sort(), `Allow of ${url}`).toEqual(documented.sort());

    for (const method of documented) {
      const response = await request.fetch(url, { method });
      expect(response.status(), `${method} ${url}`).not.toBe(405);
      if (response.status() === 404 && method !== 'HEAD') {
        expect((await response.json()).detail, `${method} ${url} is a route`).not.toBe(NO_ROUTE);
      }
    }
  }
});

test('every route file on the server is in the document, method for method', async ({ request }) => {
  const document = await fetchDocument(request);
  for (const pattern of apiRoutePatterns()) {
    const url = concretePath(pattern.replace(/\[([^\]]+)\]/g, '{$1}'));
    const item = document.paths[pattern.replace(/\[([^\]]+)\]/g, '{$1}')];
    expect(item, `${pattern} is documented`).toBeDefined();
    // The server's own list of what the path serves.
    const allow = (await request.fetch(url, { method: 'OPTIONS' })).headers()['allow']?.split(', ') ?? [];
    for (const method of allow) {
      expect(item?.[method.toLowerCase() as 'get'], `${method} ${pattern} is documented`).toBeDefined();
    }
  }
  // And the server knows no /api route besides those: anything else is the catch-all's "no route" 404.
  const missing = await request.get('/api/not-a-documented-route');
  expect(missing.status()).toBe(404);
  expect((await missing.json()).detail).toBe(NO_ROUTE);
  expect(documentedOperations(document).length).toBeGreaterThan(apiRoutePatterns().length);
});

test("the README's typed-client command generates types a TypeScript client compiles against", async ({
  baseURL,
}) => {
  test.setTimeout(60_000);
  const directory = mkdtempSync(path.join(tmpdir(), 'openapi-client-'));
  try {
    const types = path.join(directory, 'api.d.ts');
    // The command as the README shows it, against this server.
    await promisify(execFile)('npx', ['openapi-typescript', `${baseURL}/api/openapi.json`, '-o', types]);
    const client = path.join(directory, 'client.ts');
    writeFileSync(
      client,
      `import type { components, paths } from './api';
type Post = components['schemas']['Post'];
export const post: Post = {
  id: 1, title: 'T', body: 'B', author: null, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z',
};
export const query: NonNullable<paths['/api/posts']['get']['parameters']['query']> = { limit: 20, author: 'A' };
export const created: paths['/api/posts']['post']['responses'][201]['content']['application/json'] = post;
export const input: paths['/api/posts/{id}']['patch']['requestBody'] = { content: { 'application/json': { title: 'T' } } };
export const problem: components['schemas']['Problem'] = { type: 'about:blank', title: 'Not Found', status: 404, detail: 'x' };
// @ts-expect-error title is required when creating a post
export const incomplete: components['schemas']['PostInput'] = { body: 'B' };
`,
    );
    const program = ts.createProgram([client], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
