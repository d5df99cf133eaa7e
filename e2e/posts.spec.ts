import { randomUUID } from 'node:crypto';
import {
  expect,
  request as playwrightRequest,
  test,
  type APIRequestContext,
  type APIResponse,
} from '@playwright/test';
import { expectProblem } from './support/problem';

interface Post {
  id: number;
  title: string;
  body: string;
  author: string | null;
  createdAt: string;
  updatedAt: string;
}

async function createPost(request: APIRequestContext, data: Partial<Post> & Record<string, unknown>) {
  const response = await request.post('/api/posts', { data: { title: 'A title', body: 'A body', ...data } });
  expect(response.status(), await response.text()).toBe(201);
  return { post: (await response.json()) as Post, response };
}

test.describe('create and read', () => {
  test('POST → 201 with Location, ETag and the created post; GET returns it', async ({ request }) => {
    const author = `author-${randomUUID()}`;
    const { post, response } = await createPost(request, {
      title: '  Trimmed title  ',
      body: 'Body text',
      author,
    });
    expect(post).toMatchObject({ title: 'Trimmed title', body: 'Body text', author });
    expect(Number.isInteger(post.id) && post.id > 0).toBe(true);
    expect(new Date(post.createdAt).toISOString()).toBe(post.createdAt);
    expect(post.updatedAt).toBe(post.createdAt);
    expect(response.headers()['location']).toBe(`/api/posts/${post.id}`);
    const etag = response.headers()['etag'];
    expect(etag).toMatch(/^"[^"]+"$/);

    const read = await request.get(`/api/posts/${post.id}`);
    expect(read.status()).toBe(200);
    expect(read.headers()['etag']).toBe(etag);
    expect(await read.json()).toEqual(post);
  });

  test('author is null when absent', async ({ request }) => {
    const { post } = await createPost(request, {});
    expect(post.author).toBeNull();
  });

  test('If-None-Match with the current tag → 304 without a body; a stale tag → 200', async ({ request }) => {
    const { post, response } = await createPost(request, {});
    const etag = response.headers()['etag'] as string;
    const notModified = await request.get(`/api/posts/${post.id}`, { headers: { 'If-None-Match': etag } });
    expect(notModified.status()).toBe(304);
    expect(notModified.headers()['etag']).toBe(etag);
    expect(await notModified.body()).toHaveLength(0);
    const weak = await request.get(`/api/posts/${post.id}`, { headers: { 'If-None-Match': `W/${etag}` } });
    expect(weak.status()).toBe(304);
    const stale = await request.get(`/api/posts/${post.id}`, { headers: { 'If-None-Match': '"0.0"' } });
    expect(stale.status()).toBe(200);
  });

  test('unknown id → 404, however large; an id that is not a positive integer → 400', async ({ request }) => {
    for (const unknown of ['999999999', '9007199254740993', '99999999999999999999', '1'.repeat(400)]) {
      await expectProblem(await request.get(`/api/posts/${unknown}`), 404);
      await expectProblem(await request.patch(`/api/posts/${unknown}`, { data: { title: 'x' } }), 404);
      await expectProblem(await request.delete(`/api/posts/${unknown}`), 404);
    }
    for (const bad of ['0', '-1', 'abc', '1.5', '01', '1e3', '%20']) {
      await expectProblem(await request.get(`/api/posts/${bad}`), 400);
    }
  });
});

test.describe('change and delete', () => {
  test('PUT replaces every field; a missing author becomes null', async ({ request }) => {
    const { post } = await createPost(request, { author: 'someone' });
    const response = await request.put(`/api/posts/${post.id}`, { data: { title: 'New', body: 'New body' } });
    expect(response.status()).toBe(200);
    const updated = (await response.json()) as Post;
    expect(updated).toMatchObject({ id: post.id, title: 'New', body: 'New body', author: null });
    expect(updated.createdAt).toBe(post.createdAt);
    expect(response.headers()['etag']).toBeTruthy();
  });

  test('PATCH changes only the fields given; author: null clears it', async ({ request }) => {
    const { post } = await createPost(request, { author: 'someone' });
    const titleOnly = await request.patch(`/api/posts/${post.id}`, { data: { title: 'Patched' } });
    expect(titleOnly.status()).toBe(200);
    expect(await titleOnly.json()).toMatchObject({ title: 'Patched', body: post.body, author: 'someone' });
    const cleared = await request.patch(`/api/posts/${post.id}`, { data: { author: null } });
    expect(await cleared.json()).toMatchObject({ title: 'Patched', author: null });
    const empty = await expectProblem(await request.patch(`/api/posts/${post.id}`, { data: {} }), 422);
    expect(empty).toMatchObject({
      detail: 'The request body must change at least one field.',
      errors: { $: ['must change at least one field'] },
    });
    const notAnObject = await expectProblem(await request.patch(`/api/posts/${post.id}`, { data: [] }), 422);
    expect(notAnObject.detail).toBe('The request body must be a JSON object.');
  });

  test('If-Match: the current tag writes, a stale tag → 412 and nothing changes', async ({ request }) => {
    const { post, response } = await createPost(request, {});
    const firstTag = response.headers()['etag'] as string;
    const ok = await request.patch(`/api/posts/${post.id}`, {
      data: { title: 'First edit' },
      headers: { 'If-Match': firstTag },
    });
    expect(ok.status()).toBe(200);
    const secondTag = ok.headers()['etag'] as string;
    expect(secondTag).not.toBe(firstTag);

    for (const method of ['put', 'patch'] as const) {
      await expectProblem(
        await request[method](`/api/posts/${post.id}`, {
          data: { title: 'Lost update', body: 'x' },
          headers: { 'If-Match': firstTag },
        }),
        412,
      );
    }
    await expectProblem(
      await request.delete(`/api/posts/${post.id}`, { headers: { 'If-Match': firstTag } }),
      412,
    );
    await expectProblem(
      await request.patch(`/api/posts/${post.id}`, {
        data: { title: 'x' },
        headers: { 'If-Match': `W/${secondTag}` },
      }),
      412,
    );
    const current = await request.get(`/api/posts/${post.id}`);
    expect((await current.json()).title).toBe('First edit');
    expect(current.headers()['etag']).toBe(secondTag);

    const deleted = await request.delete(`/api/posts/${post.id}`, { headers: { 'If-Match': secondTag } });
    expect(deleted.status()).toBe(204);
  });

  test('If-None-Match on a write and If-Match on a read are preconditions too (RFC 9110): 412', async ({
    request,
  }) => {
    const { post, response } = await createPost(request, {});
    const tag = response.headers()['etag'] as string;
    for (const ifNoneMatch of [tag, `W/${tag}`, '*']) {
      for (const method of ['put', 'patch'] as const) {
        await expectProblem(
          await request[method](`/api/posts/${post.id}`, {
            data: { title: 'Refused', body: 'x' },
            headers: { 'If-None-Match': ifNoneMatch },
          }),
          412,
        );
      }
      await expectProblem(
        await request.delete(`/api/posts/${post.id}`, { headers: { 'If-None-Match': ifNoneMatch } }),
        412,
      );
    }
    await expectProblem(
      await request.get(`/api/posts/${post.id}`, { headers: { 'If-Match': '"0.0"' } }),
      412,
    );
    expect((await request.head(`/api/posts/${post.id}`, { headers: { 'If-Match': '"0.0"' } })).status()).toBe(
      412,
    );
    const read = await request.get(`/api/posts/${post.id}`, { headers: { 'If-Match': `${tag}, "0.0"` } });
    expect([read.status(), (await read.json()).title]).toEqual([200, post.title]);
    // The current tag after 15 stale ones of this post and 30 of others still counts; 17 versions are a 400.
    const stale = Array.from({ length: 15 }, (_, index) => `"${post.id}.${100 + index}"`);
    const othersTags = Array.from({ length: 30 }, (_, index) => `"${post.id + 1}.${index}"`);
    const longList = [...stale, ...othersTags, tag].join(', ');
    await expectProblem(
      await request.patch(`/api/posts/${post.id}`, {
        data: { title: 'Refused' },
        headers: { 'If-None-Match': longList },
      }),
      412,
    );
    const tooMany = [...stale, `"${post.id}.99"`, tag].join(', ');
    await expectProblem(
      await request.patch(`/api/posts/${post.id}`, {
        data: { title: 'Refused' },
        headers: { 'If-Match': tooMany },
      }),
      400,
    );
    // Every answer above left the post as it was; a tag If-None-Match does not name lets the write through.
    const changed = await request.patch(`/api/posts/${post.id}`, {
      data: { title: 'Changed' },
      headers: { 'If-None-Match': '"0.0"' },
    });
    expect([changed.status(), (await changed.json()).title]).toEqual([200, 'Changed']);
    const unknown = await request.delete('/api/posts/999999999', { headers: { 'If-None-Match': '*' } });
    expect(unknown.status()).toBe(404);
  });

  test('entity tags whose version no column can hold simply match nothing, on either database', async ({
    request,
  }) => {
    const { post } = await createPost(request, {});
    for (const version of ['3000000000', '2147483648', '99999999999999999999999', '1'.padEnd(400, '0')]) {
      const tag = `"${post.id}.${version}"`;
      for (const method of ['put', 'patch'] as const) {
        await expectProblem(
          await request[method](`/api/posts/${post.id}`, {
            data: { title: 'Never', body: 'x' },
            headers: { 'If-Match': tag },
          }),
          412,
        );
      }
      await expectProblem(
        await request.delete(`/api/posts/${post.id}`, { headers: { 'If-Match': tag } }),
        412,
      );
      expect(
        (await request.get(`/api/posts/${post.id}`, { headers: { 'If-None-Match': tag } })).status(),
      ).toBe(200);
    }
    expect((await (await request.get(`/api/posts/${post.id}`)).json()).title).toBe(post.title);
  });

  test('DELETE → 204, then 404 for every method on it', async ({ request }) => {
    const { post } = await createPost(request, {});
    const response = await request.delete(`/api/posts/${post.id}`);
    expect(response.status()).toBe(204);
    expect(await response.body()).toHaveLength(0);
    await expectProblem(await request.get(`/api/posts/${post.id}`), 404);
    await expectProblem(await request.delete(`/api/posts/${post.id}`), 404);
    await expectProblem(await request.patch(`/api/posts/${post.id}`, { data: { title: 'x' } }), 404);
    await expectProblem(await request.put(`/api/posts/${post.id}`, { data: { title: 'x', body: 'y' } }), 404);
  });
});

test.describe('list', () => {
  test('a JSON array, newest first, paged by cursor across several pages with Link: rel="next"', async ({
    request,
  }) => {
    const author = `pager-${randomUUID()}`;
    const created: number[] = [];
    for (let index = 0; index < 7; index += 1) {
      created.push((await createPost(request, { title: `Post ${index}`, author })).post.id);
    }
    const seen: number[] = [];
    let next: string | undefined = `/api/posts?author=${encodeURIComponent(author)}&limit=3`;
    let pages = 0;
    while (next) {
      const response: APIResponse = await request.get(next);
      expect(response.status()).toBe(200);
      const page = (await response.json()) as Post[];
      expect(Array.isArray(page)).toBe(true);
      expect(page.length).toBeLessThanOrEqual(3);
      seen.push(...page.map((post) => post.id));
      pages += 1;
      const link: string | undefined = response.headers()['link'];
      next = link ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
      if (link) expect(link).toContain('limit=3');
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse());
  });

  test('no Link header on the last page; default limit 20, max 100', async ({ request }) => {
    const author = `single-${randomUUID()}`;
    await createPost(request, { author });
    const response = await request.get(`/api/posts?author=${author}`);
    expect(response.headers()['link']).toBeUndefined();
    expect(await response.json()).toHaveLength(1);
    // 21 posts by one author: without a limit, exactly 20 of them, and a Link to the 21st.
    const many = `many-${randomUUID()}`;
    for (let index = 0; index < 21; index += 1) await createPost(request, { author: many });
    const firstPage = await request.get(`/api/posts?author=${many}`);
    expect(await firstPage.json()).toHaveLength(20);
    expect(firstPage.headers()['link']).toContain('limit=20');
    const all = await request.get(`/api/posts?author=${many}&limit=100`);
    expect(await all.json()).toHaveLength(21);
    expect(all.headers()['link']).toBeUndefined();
  });

  test('limit out of range and bad cursors → 400', async ({ request }) => {
    for (const limit of ['0', '101', '-5', 'ten', '1.5', '']) {
      await expectProblem(await request.get(`/api/posts?limit=${limit}`), 400);
    }
    for (const cursor of ['NOPE', 'eyJiZWZvcmUiOi0xfQ', '%00', 'x'.repeat(12), '-1', '']) {
      await expectProblem(await request.get(`/api/posts?cursor=${cursor}`), 400);
    }
  });

  test('q finds text in title or body, case-insensitively, with % and _ taken literally', async ({
    request,
  }) => {
    const word = `Needle${randomUUID().slice(0, 8)}`;
    const inTitle = (await createPost(request, { title: `A ${word} in the title` })).post;
    const inBody = (await createPost(request, { body: `Body with ${word.toUpperCase()} inside` })).post;
    const response = await request.get(`/api/posts?q=${word.toLowerCase()}`);
    expect(((await response.json()) as Post[]).map((post) => post.id)).toEqual([inBody.id, inTitle.id]);
    const literal = await request.get(`/api/posts?q=${encodeURIComponent(`${word}%`)}`);
    expect(await literal.json()).toEqual([]);
    const unicode = `Ünïcödé${randomUUID().slice(0, 6)}`;
    const accented = (await createPost(request, { title: unicode })).post;
    const folded = await request.get(`/api/posts?q=${encodeURIComponent(unicode.toLowerCase())}`);
    expect(((await folded.json()) as Post[]).map((post) => post.id)).toEqual([accented.id]);
  });
});

test.describe('Idempotency-Key', () => {
  test('a retry returns the original post; the same key with another body → 422', async ({ request }) => {
    const key = randomUUID();
    const author = `idem-${key}`;
    const first = await request.post('/api/posts', {
      data: { title: 'Once', body: 'Only once', author },
      headers: { 'Idempotency-Key': key },
    });
    expect(first.status()).toBe(201);
    const retry = await request.post('/api/posts', {
      data: { title: 'Once', body: 'Only once', author },
      headers: { 'Idempotency-Key': key },
    });
    expect(retry.status()).toBe(201);
    expect(await retry.json()).toEqual(await first.json());
    expect(retry.headers()['location']).toBe(first.headers()['location']);
    const listed = await request.get(`/api/posts?author=${author}`);
    expect(await listed.json()).toHaveLength(1);

    await expectProblem(
      await request.post('/api/posts', {
        data: { title: 'Different', body: 'Only once', author },
        headers: { 'Idempotency-Key': key },
      }),
      422,
    );
    await expectProblem(
      await request.post('/api/posts', {
        data: { title: 't', body: 'b' },
        headers: { 'Idempotency-Key': 'bad key' },
      }),
      400,
    );
  });
});

test.describe('access', () => {
  test('post writes without the token → 401 with WWW-Authenticate: Bearer; reads stay open', async ({
    baseURL,
  }) => {
    const anonymous = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: {} });
    const writes = [
      anonymous.post('/api/posts', { data: { title: 't', body: 'b' } }),
      anonymous.put('/api/posts/1', { data: { title: 't', body: 'b' } }),
      anonymous.patch('/api/posts/1', { data: { title: 't' } }),
      anonymous.delete('/api/posts/1'),
    ];
    for (const response of await Promise.all(writes)) {
      await expectProblem(response, 401);
      expect(response.headers()['www-authenticate']).toMatch(/^Bearer/);
    }
    const wrong = await anonymous.post('/api/posts', {
      data: { title: 't', body: 'b' },
      headers: { Authorization: 'Bearer not-the-token' },
    });
    await expectProblem(wrong, 401);
    expect((await anonymous.get('/api/posts')).status()).toBe(200);
    await anonymous.dispose();
  });

  test('GET /api/messages needs the token', async ({ baseURL, request }) => {
    const anonymous = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: {} });
    await expectProblem(await anonymous.get('/api/messages'), 401);
    await anonymous.dispose();
    const response = await request.get('/api/messages?limit=1');
    expect(response.status()).toBe(200);
    expect(Array.isArray(await response.json())).toBe(true);
  });
});
