import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { isolatedDatabase } from './support/databases';
import { SWAGGER_UI_RENDERED_MS } from './support/openapi';
import { startServer } from './support/server';

type Violation = { directive: string; blocked: string };

/** Records every CSP violation the page reports, from its first script on. */
async function recordViolations(page: Page): Promise<() => Promise<Violation[]>> {
  await page.addInitScript(() => {
    const seen: { directive: string; blocked: string }[] = [];
    Object.assign(window, { cspViolations: seen });
    document.addEventListener('securitypolicyviolation', (event) =>
      seen.push({ directive: event.effectiveDirective, blocked: event.blockedURI }),
    );
  });
  const logged: Violation[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text()))
      logged.push({ directive: 'console', blocked: message.text() });
  });
  return async () => [
    ...logged,
    ...(await page.evaluate(() => (window as unknown as { cspViolations: Violation[] }).cspViolations)),
  ];
}

const nonceOf = (policy: string | undefined) => /'nonce-([^']+)'/.exec(policy ?? '')?.[1];

test('every page carries a CSP with a nonce of its own, and its scripts carry that nonce', async ({
  request,
}) => {
  const created = await request.post('/api/posts', {
    data: { title: 'CSP', body: 'nonce', author: 'csp' },
  });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: number };
  const nonces = new Set<string>();
  // `/_next/imagex`: a 404 page at a path that only begins like the image endpoint's.
  const paths = ['/', '/contact', '/docs', `/posts/${id}`, '/nonexistent', '/_next/imagex'];
  for (const path of paths) {
    for (let round = 0; round < 2; round += 1) {
      const response = await request.get(path);
      const policy = response.headers()['content-security-policy'];
      expect(policy, path).toContain("'strict-dynamic'");
      for (const directive of [
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
      ])
        expect(policy, path).toContain(directive);
      const nonce = nonceOf(policy);
      expect(nonce, path).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      nonces.add(nonce as string);
      const html = await response.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map(([tag]) => tag);
      expect(scripts.length, path).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag, path).toContain(`nonce="${nonce}"`);
    }
  }
  expect(nonces.size).toBe(paths.length * 2);
  // Not HTTPS-only unless configured so.
  expect((await request.get('/')).headers()['strict-transport-security']).toBeUndefined();
});

test('a nonce a client offers in its own Content-Security-Policy request header is not used', async ({
  request,
}) => {
  const response = await request.get('/contact', {
    headers: { 'Content-Security-Policy': "script-src 'nonce-chosenbytheclient'" },
  });
  const nonce = nonceOf(response.headers()['content-security-policy']);
  expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  const html = await response.text();
  expect(html).not.toContain('chosenbytheclient');
  expect(html).toContain(`nonce="${nonce}"`);
});

test('no page reports a CSP violation while it works: links, the form, Swagger UI', async ({
  page,
  request,
}) => {
  test.setTimeout(SWAGGER_UI_RENDERED_MS + 40_000);
  const created = await request.post('/api/posts', {
    data: { title: 'Seen', body: 'under CSP', author: 'csp' },
  });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: number };
  const violations = await recordViolations(page);

  await page.goto('/');
  await page.getByRole('link', { name: 'Contact', exact: true }).click();
  await expect(page).toHaveURL(/\/contact$/);
  // The form's Server Action runs through JavaScript: hydration worked under the policy.
  await page.getByLabel('Name', { exact: true }).fill(`CSP ${randomUUID()}`);
  await page.getByLabel('Email', { exact: true }).fill('csp@example.com');
  await page.getByLabel('Message', { exact: true }).fill('Sent under a strict CSP');
  await page.getByRole('button', { name: 'Send message' }).click();
  await expect(page.getByRole('status')).toHaveText('Thank you! Your message has been sent.');
  expect(await violations()).toEqual([]);

  await page.goto('/docs');
  await expect(page.locator('.opblock-post', { hasText: 'Create a post' })).toBeVisible({
    timeout: SWAGGER_UI_RENDERED_MS,
  });
  expect(await violations()).toEqual([]);

  await page.goto(`/posts/${id}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Seen' })).toBeVisible();
  await page.goto('/nonexistent');
  expect(await violations()).toEqual([]);
});

test('a script injected into a page does not run; the page’s own scripts still do', async ({ page }) => {
  // As if an attacker had got markup into the HTML: the response is the server's own, CSP header included.
  await page.route('**/contact', async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace(
      '</body>',
      '<script>window.injectedInline = true</script>' +
        '<img src="data:," onerror="window.injectedHandler = true">' +
        '<script src="data:text/javascript,window.injectedSource=true"></script></body>',
    );
    await route.fulfill({ response, body: html });
  });
  const violations = await recordViolations(page);
  await page.goto('/contact');
  // Next.js's client is running (it sets window.next), so the nonce let the page's scripts through.
  await expect
    .poll(() => page.evaluate(() => typeof (window as { next?: { version?: string } }).next?.version))
    .toBe('string');
  const ran = await page.evaluate(() => {
    const flags = window as unknown as Record<string, unknown>;
    return [flags.injectedInline, flags.injectedHandler, flags.injectedSource];
  });
  expect(ran).toEqual([undefined, undefined, undefined]);
  await expect
    .poll(async () => (await violations()).filter((seen) => seen.directive.startsWith('script-src')).length)
    .toBeGreaterThanOrEqual(3);
});

test('HSTS_MAX_AGE_SECONDS: Strict-Transport-Security on every answer, and pages upgrade their requests', async () => {
  const database = isolatedDatabase('hsts');
  const server = await startServer({ DATABASE_URL: database.url, HSTS_MAX_AGE_SECONDS: '31536000' });
  try {
    for (const path of ['/', '/api/hello', '/api/posts/%', '/nonexistent']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.headers.get('strict-transport-security'), path).toBe('max-age=31536000');
    }
    // Answers the server writes to the socket itself, for requests Node.js cannot parse, carry it too, and
    // an id of their own.
    for (const requestLine of ['TRACK / HTTP/1.1', 'GET / HTTP/1.1\r\nBad Header']) {
      const answer = await new Promise<string>((resolve) => {
        const socket = net.connect(server.port, '127.0.0.1');
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString('latin1')));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(received));
        socket.write(`${requestLine}\r\nHost: x\r\n\r\n`);
      });
      expect(answer, requestLine).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer, requestLine).toMatch(/\r\nStrict-Transport-Security: max-age=31536000\r\n/i);
      expect(answer, requestLine).toMatch(/\r\nX-Request-Id: [0-9a-f-]{36}\r\n/i);
    }
    const page = await fetch(`${server.url}/contact`);
    expect(page.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
  } finally {
    await server.stop('SIGTERM');
    await database.dispose();
  }
});
