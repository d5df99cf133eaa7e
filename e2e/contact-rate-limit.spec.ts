import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { isolatedDatabase } from './support/databases';
import { startServer } from './support/server';

test('the per-client limit: 429 with Retry-After from the API, the same sentence on the form', async ({
  page,
}) => {
  test.setTimeout(90_000);
  // A server of its own with a tight limit: the suite's server lifts it for the other specs.
  const database = isolatedDatabase('rate_limit');
  const server = await startServer({
    DATABASE_URL: database.url,
    CONTACT_RATE_LIMIT: '2/600',
  });
  const send = (body: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/api/submit-form`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const message = (name: string) => ({ name, email: 'busy@example.com', message: 'Again' });
  try {
    // A typo does not use up the allowance.
    expect((await send({ ...message(''), email: 'typo' })).status).toBe(422);
    expect((await send(message('One'))).status).toBe(200);
    expect((await send(message('Two'))).status).toBe(200);

    const refused = await send(message('Three'));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    const seconds = Number(refused.headers.get('retry-after'));
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(600);
    const problem = (await refused.json()) as { status: number; detail: string };
    expect(problem.status).toBe(429);
    expect(problem.detail).toMatch(/^Too many messages; try again in \d+ seconds?\.$/);

    // Another client (as a proxy in front would say) has its own allowance.
    expect((await send(message('Elsewhere'), { 'X-Forwarded-For': '198.51.100.23' })).status).toBe(200);
    // Behind a proxy that appends (TRUSTED_PROXIES=1, the default), an address the client put in front of the
    // proxy's entry changes nothing: still this client, still refused.
    expect((await send(message('Disguised'), { 'X-Forwarded-For': '203.0.113.99, 127.0.0.1' })).status).toBe(
      429,
    );

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
