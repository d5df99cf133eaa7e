import net from 'node:net';
import { expect, test } from '@playwright/test';
import { isolatedDatabase, onPostgres } from './support/databases';
import { freePort, startServer } from './support/server';

const UNREACHABLE = [
  // Port 9 (discard) has no PostgreSQL on it: every connection is refused.
  { backend: 'postgres', url: 'postgres://postgres@127.0.0.1:9/test' },
  // A directory inside a regular file cannot be created: the SQLite file cannot be opened.
  { backend: 'sqlite', url: 'file:/etc/hostname/data/app.db' },
] as const;

for (const { backend, url } of UNREACHABLE) {
  test(`unreachable ${backend}: health is 503 naming the backend, the API 503s, nothing leaks`, async ({
    page,
  }) => {
    test.setTimeout(60_000);
    const server = await startServer({ DATABASE_URL: url }, { waitFor: 'listening' });
    try {
      const health = await fetch(`${server.url}/api/health`);
      expect(health.status).toBe(503);
      expect(health.headers.get('content-type')).toBe('application/problem+json');
      expect(await health.json()).toMatchObject({ status: 503, database: backend });
      for (const path of ['/api/posts', '/api/posts/1']) {
        const response = await fetch(`${server.url}${path}`);
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('5');
        expect(await response.text()).not.toMatch(
          /ECONNREFUSED|EACCES|ENOENT|ENOTDIR|hostname|127\.0\.0\.1|\/etc|at \S+:\d+/,
        );
      }
      const form = await fetch(`${server.url}/api/submit-form`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'n', email: 'n@example.com', message: 'm' }),
      });
      expect(form.status).toBe(503);
      // A person gets a page that says so, not a stack trace or a blank screen.
      await page.goto(`${server.url}/`);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(
        'This page is not available right now',
      );
    } finally {
      await server.stop('SIGTERM');
    }
  });
}

/**
 * A TCP relay between the service and PostgreSQL that the test can cut and restore, so the outage is real
 * (connections refused and dropped) without stopping the database other tests use.
 */
function relay(listenPort: number, target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  return {
    async up() {
      server = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => server?.listen(listenPort, '127.0.0.1', resolve));
    },
    async down() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}

test('the service answers 503 while PostgreSQL is down and recovers by itself when it is back', async () => {
  test.skip(
    !onPostgres,
    'needs PostgreSQL (E2E_DATABASE_URL=postgres://…); the SQLite run has no server to lose',
  );
  test.setTimeout(90_000);
  const database = isolatedDatabase('outage');
  const real = new URL(database.url);
  const relayPort = await freePort();
  const link = relay(relayPort, { host: real.hostname, port: Number(real.port || 5432) });
  const viaRelay = new URL(database.url);
  viaRelay.host = `127.0.0.1:${relayPort}`;
  await link.up();
  const server = await startServer({
    DATABASE_URL: viaRelay.toString(),
    API_TOKEN: 'outage-token-0123456789',
  });
  try {
    expect((await fetch(`${server.url}/api/posts`)).status).toBe(200);

    await link.down();
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(503);
    expect(health.headers.get('content-type')).toBe('application/problem+json');
    expect(await health.json()).toMatchObject({ status: 503, database: 'postgres' });
    const list = await fetch(`${server.url}/api/posts`);
    expect(list.status).toBe(503);
    expect(list.headers.get('retry-after')).toBeTruthy();
    expect(await list.text()).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|at /);

    // Pages too: their own "not available" content, as a 503 to retry, and one short line in the log.
    const logBefore = server.output().length;
    for (const path of ['/', '/posts/1']) {
      const page = await fetch(`${server.url}${path}`);
      expect(page.status, path).toBe(503);
      expect(page.headers.get('retry-after'), path).toBe('5');
      expect(await page.text(), path).toContain('This page is not available right now');
    }
    const logged = server.output().slice(logBefore);
    expect(logged).toContain('[page] the database is unavailable');
    expect(logged).not.toMatch(/^\s+at /m);

    await link.up();
    await expect
      .poll(async () => (await fetch(`${server.url}/api/health`)).status, { timeout: 20_000 })
      .toBe(200);
    expect((await fetch(`${server.url}/api/posts`)).status).toBe(200);
  } finally {
    await server.stop('SIGTERM');
    await link.down();
    await database.dispose();
  }
});
