import http from 'node:http';
import { expect, test } from '@playwright/test';
import { fetchDocument } from './support/openapi';
import { expectProblem } from './support/problem';
import { apiRoutePatterns } from './support/routes';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** A concrete path for each route pattern ([id] → an id that may or may not exist: the guard runs first). */
const pathFor = (pattern: string) => pattern.replace('[id]', '1');

for (const pattern of apiRoutePatterns()) {
  test.describe(`${pattern} answers every method`, () => {
    for (const method of METHODS) {
      test(method, async ({ request }) => {
        // What the document says the path serves is what its Allow must say, on OPTIONS and on every 405.
        const item = (await fetchDocument(request)).paths[pattern.replace(/\[([^\]]+)\]/g, '{$1}')] ?? {};
        const allowed = METHODS.filter((documented) => documented.toLowerCase() in item);
        const allow = [...allowed].sort().join(', ');
        const response = await request.fetch(pathFor(pattern), { method });
        if (method === 'OPTIONS') {
          expect(response.status()).toBe(204);
          expect(response.headers()['allow']).toBe(allow);
          expect(await response.body()).toHaveLength(0);
        } else if (!allowed.includes(method) && method === 'HEAD') {
          expect(response.status()).toBe(405);
          expect(response.headers()['allow']).toBe(allow);
        } else if (!allowed.includes(method)) {
          const problem = await expectProblem(response, 405);
          expect(response.headers()['allow']).toBe(allow);
          expect(problem.detail).toContain(method);
        } else {
          // Served: whatever the route answers, it is never a 405 and never a bare 500.
          expect(response.status()).not.toBe(405);
          expect(response.status()).toBeLessThan(500);
        }
      });
    }
  });
}

test('HEAD answers like GET without a body', async ({ request }) => {
  const get = await request.get('/api/hello');
  const head = await request.head('/api/hello');
  expect(head.status()).toBe(get.status());
  expect(head.headers()['content-type']).toBe(get.headers()['content-type']);
  expect(await head.body()).toHaveLength(0);
});

test('an unknown /api path is a problem+json 404', async ({ request }) => {
  await expectProblem(await request.get('/api/does-not-exist'), 404);
  await expectProblem(await request.post('/api/posts/1/comments'), 404);
});

test('GET /api/hello', async ({ request }) => {
  const response = await request.get('/api/hello');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toBe('application/json');
  expect(await response.json()).toEqual({ message: 'Hello, world!' });
  expect(response.headers()['x-content-type-options']).toBe('nosniff');
});

test('GET /api/health names the backend and says whether writes need the token', async ({ request }) => {
  const response = await request.get('/api/health');
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({
    status: 'ok',
    database: process.env.E2E_DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite',
    postWrites: 'token',
  });
});

/** A raw request: TRACE is a method the Fetch standard (and so most clients) will not send. */
function trace(
  baseURL: string,
  path: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, baseURL), { method: 'TRACE' }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

test('TRACE gets the method guard’s answer, not the 500 Next.js would give', async ({ baseURL }) => {
  const onRoute = await trace(baseURL as string, '/api/posts');
  expect(onRoute.status).toBe(405);
  expect(onRoute.headers['allow']).toBe('GET, HEAD, OPTIONS, POST');
  expect(onRoute.headers['content-type']).toBe('application/problem+json');
  expect(JSON.parse(onRoute.body)).toMatchObject({ status: 405 });
  expect((await trace(baseURL as string, '/api/nowhere')).status).toBe(404);
  const onPage = await trace(baseURL as string, '/contact');
  expect(onPage.status).toBe(405);
  expect(onPage.headers['allow']).toBe('GET, HEAD, OPTIONS, POST');
  expect(onPage.headers['content-type']).toBe('application/problem+json');
});

test('a page path Next.js cleans up (trailing slash, empty segment) is redirected for every method, as before the page’s method rules', async ({
  request,
  baseURL,
}) => {
  for (const path of ['/contact/', '//contact', '/posts/1/']) {
    for (const method of ['GET', 'OPTIONS', 'PUT', 'POST']) {
      const response = await request.fetch(`${baseURL}${path}`, {
        method,
        maxRedirects: 0,
        multipart: method === 'POST' ? { name: 'Ann' } : undefined,
      });
      expect(response.status(), `${method} ${path}`).toBe(308);
      expect(response.headers().location, `${method} ${path}`).toBe(
        path.replace(/^\/+/, '/').replace(/\/$/, ''),
      );
    }
  }
});
