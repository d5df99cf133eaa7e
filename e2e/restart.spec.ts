import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { isolatedDatabase } from './support/databases';
import { startServer } from './support/server';

const TOKEN = 'restart-token-0123456789';

test('posts and messages survive a killed server', async () => {
  test.setTimeout(90_000);
  const database = isolatedDatabase('restart');
  const env = { DATABASE_URL: database.url, API_TOKEN: TOKEN };
  const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
  try {
    let server = await startServer(env);
    const title = `Survivor ${randomUUID()}`;
    const created = await fetch(`${server.url}/api/posts`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ title, body: 'Still here' }),
    });
    expect(created.status).toBe(201);
    const post = (await created.json()) as { id: number };
    const name = `Message ${randomUUID()}`;
    const sent = await fetch(`${server.url}/api/submit-form`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name, email: 'a@example.com', message: 'Remember me' }),
    });
    expect(sent.status).toBe(200);

    // SIGKILL: no graceful shutdown, so only what was committed before the 2xx can survive.
    await server.stop('SIGKILL');
    server = await startServer(env, { port: server.port });
    try {
      const read = await fetch(`${server.url}/api/posts/${post.id}`);
      expect(read.status).toBe(200);
      expect(await read.json()).toMatchObject({ id: post.id, title, body: 'Still here' });
      const messages = (await (await fetch(`${server.url}/api/messages`, { headers })).json()) as {
        name: string;
      }[];
      expect(messages.map((message) => message.name)).toContain(name);
    } finally {
      await server.stop('SIGTERM');
    }
  } finally {
    await database.dispose();
  }
});
