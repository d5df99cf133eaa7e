import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { isolatedDatabase, type IsolatedDatabase } from './support/databases';
import { E2E_API_TOKEN } from './support/env';
import { startServer, type RunningServer } from './support/server';

// Real pages on other origins (other ports of 127.0.0.1), calling the API from Chromium: the browser, not
// this test, decides what a page may read, from the answers' Access-Control-* headers.

/** A site of its own: one empty page, on a port of its own (so an origin of its own). */
async function otherSite(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((_request, response) =>
    response.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>other site</title>'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

type Outcome =
  { status: number; body: unknown; headers: Record<string, string | null> } | { blocked: string };

/** `fetch` from the page: what the page's script gets to see (or that the browser blocked it). */
function fetchFrom(page: Page, url: string, init: RequestInit = {}): Promise<Outcome> {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const response = await fetch(url, init);
        const text = await response.text();
        const headers: Record<string, string | null> = {};
        for (const name of ['etag', 'link', 'location', 'content-type'])
          headers[name] = response.headers.get(name);
        return { status: response.status, body: text ? JSON.parse(text) : null, headers };
      } catch (error) {
        return { blocked: String(error) };
      }
    },
    { url, init },
  );
}

// The pages send only what their scripts set: not the suite's default Authorization header.
test.use({ extraHTTPHeaders: {} });

let listed: Awaited<ReturnType<typeof otherSite>>;
let unlisted: Awaited<ReturnType<typeof otherSite>>;
let database: IsolatedDatabase;
let service: RunningServer;

test.beforeAll(async () => {
  listed = await otherSite();
  unlisted = await otherSite();
  database = isolatedDatabase('cors');
  service = await startServer({
    DATABASE_URL: database.url,
    API_TOKEN: E2E_API_TOKEN,
    CORS_ORIGINS: `https://app.example.com, ${listed.origin}`,
  });
  for (let index = 0; index < 3; index += 1) {
    const created = await fetch(`${service.url}/api/posts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${E2E_API_TOKEN}` },
      body: JSON.stringify({ title: `Shared ${index}`, body: 'readable elsewhere' }),
    });
    expect(created.status).toBe(201);
  }
});

test.afterAll(async () => {
  await service?.stop('SIGTERM');
  await database?.dispose();
  await listed?.close();
  await unlisted?.close();
});

test('a listed origin reads GET /api/posts, with the headers a client follows', async ({ page }) => {
  await page.goto(listed.origin);
  const outcome = await fetchFrom(page, `${service.url}/api/posts?limit=2`);
  expect(outcome).toMatchObject({ status: 200, headers: { link: expect.stringContaining('rel="next"') } });
  expect((outcome as { body: unknown[] }).body).toHaveLength(2);
  // A conditional read sends If-None-Match (not a safelisted header): a preflight, then 304.
  const first = await fetchFrom(page, `${service.url}/api/posts/1`);
  const etag = (first as unknown as { headers: { etag: string } }).headers.etag;
  expect(etag).toMatch(/^"/);
  expect(
    await fetchFrom(page, `${service.url}/api/posts/1`, { headers: { 'If-None-Match': etag } }),
  ).toMatchObject({
    status: 304,
  });
});

test('an origin not listed cannot read it', async ({ page }) => {
  await page.goto(unlisted.origin);
  expect(await fetchFrom(page, `${service.url}/api/posts`)).toMatchObject({
    blocked: expect.stringMatching(/TypeError/),
  });
  expect(await fetchFrom(page, `${service.url}/api/hello`)).toMatchObject({ blocked: expect.any(String) });
});

test('a listed origin writes with the token, and is refused without it', async ({ page }) => {
  await page.goto(listed.origin);
  const title = `From elsewhere ${randomUUID()}`;
  const json = { 'Content-Type': 'application/json' };
  const withoutToken = await fetchFrom(page, `${service.url}/api/posts`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ title, body: 'no token' }),
  });
  expect(withoutToken).toMatchObject({
    status: 401,
    headers: { 'content-type': 'application/problem+json' },
  });

  const created = await fetchFrom(page, `${service.url}/api/posts`, {
    method: 'POST',
    headers: { ...json, Authorization: `Bearer ${E2E_API_TOKEN}`, 'Idempotency-Key': randomUUID() },
    body: JSON.stringify({ title, body: 'with the token' }),
  });
  expect(created).toMatchObject({
    status: 201,
    body: { title },
    headers: { location: expect.stringMatching(/^\/api\/posts\/\d+$/) },
  });
  const { headers } = created as unknown as { headers: { location: string; etag: string } };
  const changed = await fetchFrom(page, `${service.url}${headers.location}`, {
    method: 'PATCH',
    headers: { ...json, Authorization: `Bearer ${E2E_API_TOKEN}`, 'If-Match': headers.etag },
    body: JSON.stringify({ body: 'changed from elsewhere' }),
  });
  expect(changed).toMatchObject({ status: 200, body: { body: 'changed from elsewhere' } });
  const deleted = await fetchFrom(page, `${service.url}${headers.location}`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${E2E_API_TOKEN}` },
  });
  expect(deleted).toMatchObject({ status: 204 });

  // The same write from an unlisted origin never leaves the browser: its preflight gets no allowance.
  await page.goto(unlisted.origin);
  const refused = await fetchFrom(page, `${service.url}/api/posts`, {
    method: 'POST',
    headers: { ...json, Authorization: `Bearer ${E2E_API_TOKEN}` },
    body: JSON.stringify({ title: `Unlisted ${title}`, body: 'must not exist' }),
  });
  expect(refused).toMatchObject({ blocked: expect.any(String) });
  const listing = await (await fetch(`${service.url}/api/posts?q=${encodeURIComponent('Unlisted')}`)).json();
  expect(listing).toEqual([]);
});

test('contact messages stay same-origin, even for a listed origin', async ({ page }) => {
  await page.goto(listed.origin);
  const name = `Elsewhere ${randomUUID()}`;
  const message = JSON.stringify({ name, email: 'cors@example.com', message: 'from another site' });
  // A JSON post needs a preflight, which the contact route does not grant.
  expect(
    await fetchFrom(page, `${service.url}/api/submit-form`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: message,
    }),
  ).toMatchObject({ blocked: expect.any(String) });
  // A "simple" post goes without one; the server refuses it (403), and the page cannot read even that.
  expect(
    await fetchFrom(page, `${service.url}/api/submit-form`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: message,
    }),
  ).toMatchObject({ blocked: expect.any(String) });
  expect(
    await fetchFrom(page, `${service.url}/api/messages`, {
      headers: { Authorization: `Bearer ${E2E_API_TOKEN}` },
    }),
  ).toMatchObject({
    blocked: expect.any(String),
  });
  const stored = await fetch(`${service.url}/api/messages?limit=100`, {
    headers: { Authorization: `Bearer ${E2E_API_TOKEN}` },
  });
  expect(JSON.stringify(await stored.json())).not.toContain(name);
});

test('preflights: the allowed methods and headers for a listed origin, nothing for another', async () => {
  const preflight = (origin: string, path: string, method: string) =>
    fetch(`${service.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': method,
        'Access-Control-Request-Headers': 'authorization',
      },
    });
  const allowed = await preflight(listed.origin, '/api/posts/1', 'PATCH');
  expect(allowed.status).toBe(204);
  expect(allowed.headers.get('access-control-allow-origin')).toBe(listed.origin);
  expect(allowed.headers.get('access-control-allow-methods')).toBe('DELETE, GET, HEAD, PATCH, PUT');
  expect(allowed.headers.get('access-control-allow-headers')).toBe(
    'Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key',
  );
  expect(allowed.headers.get('vary')).toContain('Origin');
  const read = await fetch(`${service.url}/api/posts`, { headers: { Origin: listed.origin } });
  expect(read.headers.get('access-control-expose-headers')).toBe(
    'ETag, Idempotent-Replayed, Link, Location, Retry-After',
  );
  expect(read.headers.get('vary')).toBe('Origin, Accept-Encoding');
  for (const [origin, path] of [
    [unlisted.origin, '/api/posts'],
    ['null', '/api/posts'],
    [listed.origin, '/api/submit-form'],
    [listed.origin, '/api/messages'],
  ] as const) {
    const answer = await preflight(origin, path, 'POST');
    expect(answer.headers.get('access-control-allow-origin'), `${origin} ${path}`).toBeNull();
  }
});
