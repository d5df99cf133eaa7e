import { expect, test } from '@playwright/test';
import { API_ROUTES, allowedMethods, type ApiRoutePattern } from '../src/http/routes';
import { expectProblem } from './support/problem';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** A concrete path for each route pattern ([id] → an id that may or may not exist: the guard runs first). */
const pathFor = (pattern: ApiRoutePattern) => pattern.replace('[id]', '1');

for (const pattern of Object.keys(API_ROUTES) as ApiRoutePattern[]) {
  const allow = allowedMethods(pattern).join(', ');
  test.describe(`${pattern} answers every method`, () => {
    for (const method of METHODS) {
      test(method, async ({ request }) => {
        const response = await request.fetch(pathFor(pattern), { method });
        if (method === 'OPTIONS') {
          expect(response.status()).toBe(204);
          expect(response.headers()['allow']).toBe(allow);
          expect(await response.body()).toHaveLength(0);
        } else if (!allowedMethods(pattern).includes(method) && method === 'HEAD') {
          expect(response.status()).toBe(405);
          expect(response.headers()['allow']).toBe(allow);
        } else if (!allowedMethods(pattern).includes(method)) {
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
