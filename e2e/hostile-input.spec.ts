import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { E2E_API_TOKEN } from './support/env';
import { expectProblem } from './support/problem';

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const BODY_ROUTES = [
  { method: 'POST', path: '/api/posts' },
  { method: 'PUT', path: '/api/posts/1' },
  { method: 'PATCH', path: '/api/posts/1' },
  { method: 'POST', path: '/api/submit-form' },
] as const;

/**
 * Sends a body in chunks with no Content-Length, as a streaming client would; resolves status and body. An
 * answer that arrives before the server closes on the rest of the upload counts, as it does for curl.
 */
function sendChunked(
  baseURL: string,
  path: string,
  chunks: Iterable<Buffer>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let answered: { status: number; body: string } | undefined;
    const request = http.request(
      new URL(path, baseURL),
      {
        method: 'POST',
        headers: {
          ...JSON_HEADERS,
          'Transfer-Encoding': 'chunked',
          Authorization: `Bearer ${E2E_API_TOKEN}`,
        },
      },
      (response) => {
        const answer = (answered = { status: response.statusCode ?? 0, body: '' });
        response.on('data', (chunk) => (answer.body += chunk));
        response.on('end', () => resolve(answer));
      },
    );
    // The server may answer 413 and close before we finish sending: that is the point. Only an error before
    // any answer is a failure.
    request.on('error', (error) => (answered ? resolve(answered) : reject(error)));
    void (async () => {
      for (const chunk of chunks) {
        if (request.destroyed) return;
        if (!request.write(chunk)) await new Promise((done) => request.once('drain', done));
      }
      request.end();
    })();
  });
}

for (const { method, path } of BODY_ROUTES) {
  test.describe(`${method} ${path}`, () => {
    test('malformed JSON → 400', async ({ request }) => {
      for (const data of ['{', '{"title":', 'nul', '{"a":1,}', "{'a':1}", '\u0000']) {
        await expectProblem(
          await request.fetch(path, { method, data: Buffer.from(data), headers: JSON_HEADERS }),
          400,
        );
      }
    });

    test('empty body → 400; invalid UTF-8 → 400', async ({ request }) => {
      await expectProblem(
        await request.fetch(path, { method, data: Buffer.alloc(0), headers: JSON_HEADERS }),
        400,
      );
      const badUtf8 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
      await expectProblem(await request.fetch(path, { method, data: badUtf8, headers: JSON_HEADERS }), 400);
    });

    test('not JSON → 415', async ({ request }) => {
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', '']) {
        const response = await request.fetch(path, {
          method,
          data: Buffer.from('{}'),
          headers: { 'Content-Type': contentType },
        });
        await expectProblem(response, 415);
      }
      const latin1 = await request.fetch(path, {
        method,
        data: Buffer.from('{}'),
        headers: { 'Content-Type': 'application/json; charset=iso-8859-1' },
      });
      await expectProblem(latin1, 415);
    });

    test('a compressed body → 415 saying what is read, even when it is JSON underneath', async ({
      request,
    }) => {
      const valid = JSON.stringify({
        title: 'Compressed',
        body: 'Sent with a Content-Encoding.',
        name: 'Ann',
        email: 'ann@example.com',
        message: 'Hello',
      });
      for (const [coding, data] of [
        ['gzip', gzipSync(valid)],
        // Declared compressed, sent as it is: still not read as JSON.
        ['br', Buffer.from(valid)],
      ] as const) {
        const response = await request.fetch(path, {
          method,
          data,
          headers: { ...JSON_HEADERS, 'Content-Encoding': coding },
        });
        await expectProblem(response, 415);
        expect(response.headers()['accept-encoding']).toBe('identity');
      }
    });

    test('a body over the route’s cap → 413, by Content-Length and when streamed', async ({
      request,
      baseURL,
    }) => {
      // Posts take 256 KiB (the largest valid post, every character escaped), the contact form 64 KiB.
      const cap = path.startsWith('/api/posts') ? 256 * 1024 : 64 * 1024;
      const padded = `{"title":"t","body":"b","name":"n","email":"a@b.co","message":"m"}${' '.repeat(cap)}`;
      await expectProblem(
        await request.fetch(path, { method, data: Buffer.from(padded), headers: JSON_HEADERS }),
        413,
      );
      if (method === 'POST') {
        // 50 MB streamed with no Content-Length: answered 413 long before it is all sent.
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const lots = (function* () {
          yield Buffer.from('{"title":"t","body":"b","name":"n","email":"a@b.co","message":"m"}');
          for (let index = 0; index < 800; index += 1) yield chunk;
        })();
        const streamed = await sendChunked(baseURL as string, path, lots);
        expect(streamed.status).toBe(413);
      }
    });

    test('wrong types, unknown and server-owned fields → 422 naming each field', async ({ request }) => {
      const wrong = await expectProblem(
        await request.fetch(path, {
          method,
          data: {
            title: 42,
            body: ['x'],
            author: {},
            name: false,
            email: 7,
            message: null,
            sneaky: 1,
            id: 5,
          },
        }),
        422,
      );
      expect(Object.keys(wrong.errors ?? {})).toEqual(expect.arrayContaining(['sneaky', 'id']));
      expect(wrong.errors?.sneaky).toEqual(['is not a known field']);
      expect(wrong.errors?.id).toEqual(['is set by the server and cannot be written']);
      for (const data of ['[]', '"text"', '42', 'null', 'true']) {
        await expectProblem(
          await request.fetch(path, { method, data: Buffer.from(data), headers: JSON_HEADERS }),
          422,
        );
      }
    });

    test('prototype pollution and deep nesting are plain validation errors', async ({ request }) => {
      const proto = await request.fetch(path, {
        method,
        data: Buffer.from('{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'),
        headers: JSON_HEADERS,
      });
      const problem = await expectProblem(proto, 422);
      expect(Object.keys(problem.errors ?? {})).toEqual(expect.arrayContaining(['__proto__', 'constructor']));
      const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      await expectProblem(
        await request.fetch(path, { method, data: Buffer.from(deep), headers: JSON_HEADERS }),
        422,
      );
    });
  });
}

test('posts: lengths, blank text, NUL, lone surrogates and control characters → 422, nothing stored', async ({
  request,
}) => {
  const cases: Record<string, unknown>[] = [
    { title: '', body: 'b' },
    { title: '   ', body: 'b' },
    { title: 'x'.repeat(201), body: 'b' },
    { title: 't', body: '' },
    { title: 't', body: '  \n ' },
    { title: 't', body: 'x'.repeat(20_001) },
    { title: 't', body: 'b', author: '' },
    { title: 't', body: 'b', author: 'x'.repeat(101) },
    { title: 'nul\u0000', body: 'b' },
    { title: 't', body: 'nul \u0000 inside' },
    { title: 'line\nbreak', body: 'b' },
    { title: 't', body: 'b', author: 'a\r\nb' },
  ];
  for (const data of cases) await expectProblem(await request.post('/api/posts', { data }), 422);
  const loneSurrogate = '{"title":"t","body":"\\ud800 alone"}';
  await expectProblem(
    await request.post('/api/posts', { data: Buffer.from(loneSurrogate), headers: JSON_HEADERS }),
    422,
  );
  // The edges are accepted.
  const edge = await request.post('/api/posts', {
    data: { title: 'x'.repeat(200), body: 'y'.repeat(20_000), author: 'z'.repeat(100) },
  });
  expect(edge.status()).toBe(201);
});

test('hostile text is stored and returned verbatim, as data', async ({ request }) => {
  const title = `<script>alert(1)</script>' OR 1=1; -- 🚀 ${Date.now()}`;
  const body = 'Robert\'); DROP TABLE posts;--\n\ttabs and "quotes" and emoji 👩🏽‍💻';
  const created = await request.post('/api/posts', { data: { title, body } });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: number };
  const read = await request.get(`/api/posts/${id}`);
  expect(await read.json()).toMatchObject({ title, body });
  expect((await request.get('/api/posts?limit=1')).status()).toBe(200);
});

test('query strings: hostile and oversized values → 400, never 500', async ({ request }) => {
  for (const query of [
    `q=${'x'.repeat(201)}`,
    `author=${'x'.repeat(101)}`,
    'q=%00',
    'author=%0d%0a',
    'limit=1&limit=1000',
    `cursor=${encodeURIComponent("' OR 1=1 --")}`,
  ]) {
    await expectProblem(await request.get(`/api/posts?${query}`), 400);
  }
  const response = await request.get(`/api/posts?q=${encodeURIComponent("%' OR '1'='1")}`);
  expect(response.status()).toBe(200);
});
