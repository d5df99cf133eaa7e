import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { expect, test } from '@playwright/test';
import { isolatedDatabase } from './support/databases';
import { CONTACT_RATE_LIMIT_FOR_TESTS, outsideWindowEdge } from './support/rate-limit';
import { startServer, type RunningServer } from './support/server';

const TOKEN = 'rate-limit-token-0123456789';
const message = (name: string) => ({ name, email: 'busy@example.com', message: 'Again' });

/** POST /api/submit-form; X-Forwarded-For as separate header lines when given an array (as some clients do). */
function send(
  server: RunningServer,
  body: Record<string, string>,
  forwardedFor?: string | string[],
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${server.url}/api/submit-form`,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(forwardedFor !== undefined && { 'X-Forwarded-For': forwardedFor }),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
        );
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

async function storedNames(server: RunningServer): Promise<string[]> {
  const response = await fetch(`${server.url}/api/messages?limit=100`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  return ((await response.json()) as { name: string }[]).map((stored) => stored.name);
}

test('the per-client limit: 429 with Retry-After, and a client’s own X-Forwarded-For buys nothing', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await outsideWindowEdge(120_000);
  // A server of its own, exposed directly (TRUSTED_PROXIES=0, the default), with a tight limit.
  const database = isolatedDatabase('rate_limit');
  const server = await startServer({
    DATABASE_URL: database.url,
    API_TOKEN: TOKEN,
    CONTACT_RATE_LIMIT: CONTACT_RATE_LIMIT_FOR_TESTS,
  });
  try {
    // A typo does not use up the allowance.
    expect((await send(server, { ...message(''), email: 'typo' })).status).toBe(422);
    expect((await send(server, message('One'))).status).toBe(200);
    expect((await send(server, message('Two'))).status).toBe(200);

    const refused = await send(server, message('Three'));
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    const seconds = Number(refused.headers['retry-after']);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(86_400);
    const problem = JSON.parse(refused.body) as { status: number; detail: string };
    expect(problem.status).toBe(429);
    expect(problem.detail).toMatch(/^Too many messages; try again in \d+ seconds?\.$/);

    // Rotating X-Forwarded-For, one header or several: the server records the connection's own address last,
    // and with no trusted proxy that is the client. Not one more message is stored.
    for (let index = 0; index < 20; index += 1) {
      const forged = index % 2 ? `198.51.100.${index}` : [`203.0.113.${index}`, `192.0.2.${index}`];
      expect((await send(server, message(`Rotated ${index}`), forged)).status).toBe(429);
    }
    expect((await storedNames(server)).sort()).toEqual(['One', 'Two']);

    // The form and the API share one count per client: this browser is the same 127.0.0.1.
    const name = `Blocked ${randomUUID()}`;
    await page.goto(`${server.url}/contact`);
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Email', { exact: true }).fill('busy@example.com');
    await page.getByLabel('Message', { exact: true }).fill('One more');
    await page.getByRole('button', { name: 'Send message' }).click();
    await expect(page.getByRole('status')).toHaveText(/^Too many messages; try again in \d+ seconds?\.$/);
    await expect(page.getByLabel('Name', { exact: true })).toHaveValue(name);
  } finally {
    await server.stop('SIGTERM');
    await database.dispose();
  }
});

test('behind one proxy (TRUSTED_PROXIES=1): the entry it appended is the client; what a client prepends is not', async () => {
  test.setTimeout(180_000);
  await outsideWindowEdge(60_000);
  const database = isolatedDatabase('rate_limit_proxy');
  const server = await startServer({
    DATABASE_URL: database.url,
    API_TOKEN: TOKEN,
    CONTACT_RATE_LIMIT: CONTACT_RATE_LIMIT_FOR_TESTS,
    TRUSTED_PROXIES: '1',
  });
  // This test plays the proxy: it appends the client's address, as nginx's $proxy_add_x_forwarded_for does.
  const clientA = '198.51.100.7';
  const clientB = '198.51.100.8';
  try {
    expect((await send(server, message('A1'), clientA)).status).toBe(200);
    expect((await send(server, message('A2'), clientA)).status).toBe(200);
    expect((await send(server, message('A3'), clientA)).status).toBe(429);
    // Another client has its own count.
    expect((await send(server, message('B1'), clientB)).status).toBe(200);
    // Client A puts an address of its choosing in front of the proxy's entry, in one header or two: still A.
    expect((await send(server, message('A4'), `203.0.113.1, ${clientA}`)).status).toBe(429);
    expect((await send(server, message('A5'), ['203.0.113.2', clientA])).status).toBe(429);
    expect((await storedNames(server)).sort()).toEqual(['A1', 'A2', 'B1']);
  } finally {
    await server.stop('SIGTERM');
    await database.dispose();
  }
});
