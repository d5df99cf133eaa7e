import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { isolatedDatabase, onPostgres } from './support/databases';
import { startServer, type RunningServer } from './support/server';

const TOKEN = 'two-instances-token-0123';
const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

async function listAll(
  server: RunningServer,
  path: string,
): Promise<{ id: number; title?: string; name?: string }[]> {
  const items: { id: number }[] = [];
  let next: string | undefined = `${path}${path.includes('?') ? '&' : '?'}limit=100`;
  while (next) {
    const response: Response = await fetch(`${server.url}${next}`, { headers });
    expect(response.status).toBe(200);
    items.push(...((await response.json()) as { id: number }[]));
    next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get('link') ?? '')?.[1];
  }
  return items;
}

test(`two production servers share one ${onPostgres ? 'PostgreSQL database' : 'SQLite file'}`, async () => {
  test.setTimeout(120_000);
  const database = isolatedDatabase('two_instances');
  // Many messages from one address: lift the per-client contact limit for this test's servers.
  const env = { DATABASE_URL: database.url, API_TOKEN: TOKEN, CONTACT_RATE_LIMIT: '10000/600' };
  // Both start at once: their migrations race, and must still run exactly once.
  const [first, second] = await Promise.all([startServer(env), startServer(env)]);
  try {
    // Written through one, read through the other.
    const created = await fetch(`${first.url}/api/posts`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ title: 'From the first', body: 'b' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    const readBack = await fetch(`${second.url}/api/posts/${id}`);
    expect(readBack.status).toBe(200);
    expect(await readBack.json()).toMatchObject({ id, title: 'From the first' });

    // Concurrent writes to both: posts, messages and edits of one post with If-Match.
    const run = randomUUID().slice(0, 8);
    const perServer = 40;
    const writes: Promise<Response>[] = [];
    for (let index = 0; index < perServer; index += 1) {
      for (const [label, server] of [
        ['a', first],
        ['b', second],
      ] as const) {
        writes.push(
          fetch(`${server.url}/api/posts`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ title: `${run}-${label}-${index}`, body: 'concurrent', author: run }),
          }),
          fetch(`${server.url}/api/submit-form`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ name: `${run}-${label}-${index}`, email: 'c@example.com', message: 'm' }),
          }),
        );
      }
    }
    const statuses = (await Promise.all(writes)).map((response) => response.status);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(statuses.filter((status) => status === 201)).toHaveLength(perServer * 2);
    expect(statuses.filter((status) => status === 200)).toHaveLength(perServer * 2);

    const expectedTitles = [...Array(perServer).keys()].flatMap((index) => [
      `${run}-a-${index}`,
      `${run}-b-${index}`,
    ]);
    for (const server of [first, second]) {
      const posts = await listAll(server, `/api/posts?author=${run}`);
      expect(posts.map((post) => post.title).sort()).toEqual([...expectedTitles].sort());
      expect(new Set(posts.map((post) => post.id)).size).toBe(posts.length);
      const messages = (await listAll(server, '/api/messages')).filter((message) =>
        message.name?.startsWith(run),
      );
      expect(messages.map((message) => message.name).sort()).toEqual([...expectedTitles].sort());
    }

    // Conditional edits racing across the two instances: exactly one wins per version.
    const etag = (await fetch(`${first.url}/api/posts/${id}`)).headers.get('etag') as string;
    const edits = await Promise.all(
      [first, second, first, second].map((server, index) =>
        fetch(`${server.url}/api/posts/${id}`, {
          method: 'PATCH',
          headers: { ...headers, 'If-Match': etag },
          body: JSON.stringify({ title: `edit ${index}` }),
        }),
      ),
    );
    expect(edits.map((response) => response.status).sort()).toEqual([200, 412, 412, 412]);
  } finally {
    await Promise.all([first.stop('SIGTERM'), second.stop('SIGTERM')]);
    await database.dispose();
  }
});
