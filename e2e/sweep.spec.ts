import { expect, test } from '@playwright/test';
import { rawRequest, type RawRequest, type RawResponse } from './support/raw';

// Every path a client can reach, pages and API, with every kind of malformed request a client can send: the
// service must answer each with a 4xx problem (or what the request asked for), never a 5xx, and always with
// the security headers. Issue-level promise: 0 responses ≥ 500, 0 without nosniff.

const PAGES = ['/', '/contact', '/docs', '/posts/1', '/nonexistent', '/favicon.ico', '/icon.svg', '/api'];
const API = [
  '/api/posts',
  '/api/posts/1',
  '/api/hello',
  '/api/health',
  '/api/openapi.json',
  '/api/submit-form',
  '/api/messages',
  '/api/nonexistent',
];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'TRACE', 'MKCOL'];
const MALFORMED_PATHS = [
  '/%',
  '/posts/%',
  '/api/posts/%E0%A4%A',
  '/api/posts/%',
  '/posts/%F0%9F',
  '/api/posts/',
  '/contact/',
  '//',
  '//api/posts',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/a%00b',
  '/api/posts/%00',
  '/api/posts?limit=%',
  '/?cursor=%ZZ',
  '/api/posts?cursor=%ZZ&limit=-1',
  `/${'a'.repeat(8_000)}`,
  `/api/posts/${'9'.repeat(400)}`,
  '/posts/-1',
  '/posts/1e9999',
  '/api/posts/%2F',
  '/contact?_rsc=1',
  '/_next/static/nothing.js',
  '/_next/image?url=%2Fnothing.png&w=64&q=75',
];

interface Case extends RawRequest {
  page: boolean;
}

const isPage = (path: string) => !path.startsWith('/api/');

/** The contact form's action id, from the page that posts it (as a browser would find it). */
async function contactActionId(baseURL: string): Promise<string> {
  const html = (await rawRequest(baseURL, { method: 'GET', path: '/contact' })).body;
  const id = /&quot;id&quot;:&quot;([0-9a-f]{8,})&quot;/.exec(html)?.[1];
  expect(id, 'the contact page carries its action id').toBeDefined();
  return id as string;
}

function multipart(fields: Record<string, string>): { body: string; contentType: string } {
  const boundary = '----sweep7MA4YWxkTrZu0gW';
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  return {
    body: `${parts.join('')}--${boundary}--\r\n`,
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

function cases(actionId: string, origin: string): Case[] {
  const all: Case[] = [];
  for (const path of [...PAGES, ...API]) {
    for (const method of METHODS) {
      const withBody = ['POST', 'PUT', 'PATCH'].includes(method);
      all.push({
        page: isPage(path),
        method,
        path,
        ...(withBody && { headers: { 'Content-Type': 'application/json' }, body: '{"title":1}' }),
      });
    }
  }
  for (const path of MALFORMED_PATHS) {
    for (const method of ['GET', 'POST', 'DELETE']) all.push({ page: isPage(path), method, path });
  }
  const form = multipart({ name: 'Ada', email: 'ada@example.com', message: 'hello' });
  const arrayArgument = multipart({ '0': '[1,2]' });
  const actionBodies: { name: string; contentType: string; body: string | Buffer; chunked?: boolean }[] = [
    { name: 'form', ...form },
    { name: 'array argument', ...arrayArgument },
    { name: 'text [1,2]', contentType: 'text/plain;charset=UTF-8', body: '[1,2]' },
    { name: 'JSON', contentType: 'application/json', body: '{"a":1}' },
    { name: 'multipart garbage', contentType: 'multipart/form-data; boundary=x', body: 'garbage' },
    { name: 'multipart without boundary', contentType: 'multipart/form-data', body: form.body },
    { name: 'over 1 MiB', contentType: form.contentType, body: Buffer.alloc(1_100_000, 'a') },
    { name: 'chunked', contentType: form.contentType, body: form.body, chunked: true },
  ];
  const actionIds = [actionId, 'abc', `7f${'0'.repeat(40)}`, `${actionId}00`, ''];
  for (const path of [...PAGES, '/api/posts', '/api/submit-form']) {
    for (const id of actionIds) {
      for (const body of actionBodies) {
        for (const from of [undefined, origin, 'https://evil.example']) {
          all.push({
            page: isPage(path),
            method: 'POST',
            path,
            headers: {
              'Next-Action': id,
              'Content-Type': body.contentType,
              ...(from && { Origin: from }),
            },
            body: body.body,
            chunked: body.chunked,
          });
        }
      }
    }
  }
  return all;
}

/** Whether the answer may be other than a problem: a page's own 404 page for a browser's GET. */
function mayBeHtml(request: Case, response: RawResponse): boolean {
  return request.page && ['GET', 'HEAD'].includes(request.method) && response.status === 404;
}

test('malformed URLs, methods and Server Action calls on every path: 4xx problems, never a 5xx', async ({
  baseURL,
}) => {
  test.setTimeout(180_000);
  const base = baseURL as string;
  const all = cases(await contactActionId(base), base);
  const failures: string[] = [];
  let serverErrors = 0;
  let withoutNosniff = 0;
  const statuses = new Map<number, number>();
  // A few at a time: the contact form's rate limit is per client, and these are one client.
  for (let start = 0; start < all.length; start += 8) {
    await Promise.all(
      all.slice(start, start + 8).map(async (request) => {
        const response = await rawRequest(base, request);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const label = `${request.method} ${request.path.slice(0, 60)} ${JSON.stringify(request.headers ?? {})}`;
        if (response.status >= 500) {
          serverErrors += 1;
          failures.push(`${label} → ${response.status} ${response.body.slice(0, 200)}`);
        }
        if (response.headers['x-content-type-options'] !== 'nosniff') {
          withoutNosniff += 1;
          failures.push(`${label} → ${response.status} without nosniff`);
        }
        if (response.headers['x-frame-options'] !== 'DENY') failures.push(`${label} → no X-Frame-Options`);
        if (response.status >= 400 && !mayBeHtml(request, response)) {
          if (response.headers['content-type'] !== 'application/problem+json')
            failures.push(`${label} → ${response.status} ${response.headers['content-type']}`);
          else if (request.method !== 'HEAD')
            expect(JSON.parse(response.body)).toMatchObject({ status: response.status });
        }
      }),
    );
  }
  console.info(
    `sweep: ${all.length} requests; ${serverErrors} answered ≥ 500, ${withoutNosniff} without nosniff; ` +
      `statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
  );
  expect(failures).toEqual([]);
  // The sweep reached what it meant to: refusals of each kind, not one answer repeated.
  for (const status of [400, 403, 404, 405, 411, 413, 415])
    expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
});

/** The fields a browser without JavaScript posts with the contact form: its hidden action fields, filled in. */
async function contactFormPost(baseURL: string) {
  const html = (await rawRequest(baseURL, { method: 'GET', path: '/contact' })).body;
  const hidden: Record<string, string> = {};
  for (const [, name, value = ''] of html.matchAll(
    /<input type="hidden" name="(\$ACTION[^"]*)"(?: value="([^"]*)")?\/>/g,
  )) {
    hidden[name as string] = value.replaceAll('&quot;', '"').replaceAll('&amp;', '&');
  }
  expect(Object.keys(hidden).length, 'the contact page carries its action fields').toBeGreaterThan(0);
  return multipart({ ...hidden, name: 'Ada', email: 'ada@example.com', message: 'Hello from the sweep' });
}

test('the Server Action runs only from /contact, and not from another site', async ({ baseURL }) => {
  const base = baseURL as string;
  const form = await contactFormPost(base);
  const post = (path: string, origin?: string) =>
    rawRequest(base, {
      method: 'POST',
      path,
      headers: { 'Content-Type': form.contentType, ...(origin && { Origin: origin }) },
      body: form.body,
    });
  for (const path of ['/', '/nonexistent', '/docs', '/posts/1', '/favicon.ico']) {
    const response = await post(path);
    expect(response.status, path).toBe(405);
    expect(response.headers['allow']).toBe('GET, HEAD, OPTIONS');
    expect((await post(path, 'https://evil.example')).status, path).toBe(403);
  }
  const foreign = await post('/contact', 'https://evil.example');
  expect(foreign.status).toBe(403);
  expect(foreign.body).not.toContain('Thank you');
  // A browser's post without JavaScript: stored, and sent on to the page that says so (post, redirect, get).
  const own = await post('/contact', base);
  expect(own.status).toBe(303);
  expect(own.headers['location']).toBe('/contact?sent=1');
});

test('an API answer varies by what its route reads, not by the page router’s request headers', async ({
  request,
}) => {
  for (const path of ['/api/posts', '/api/hello', '/api/nonexistent']) {
    expect((await request.get(path)).headers()['vary'] ?? '', path).not.toMatch(/rsc|next-router/i);
  }
  // A page does vary by them: the client router asks for its RSC payload at the same address.
  expect((await request.get('/contact')).headers()['vary']).toMatch(/\brsc\b/);
});
