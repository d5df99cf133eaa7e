import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as v from 'valibot';
import { noRoute, operation, route, ROUTE_METHODS } from '../src/http/route';
import { UNROUTABLE_METHOD_HEADER } from '../src/server/requests';
import { routeModules } from './support/routes';

process.env.API_TOKEN = 'route-test-token-0123456789';

const context = (params: Record<string, string> = {}) => ({ params: Promise.resolve(params) });

/** A body stream that counts how much of it was ever pulled. */
function countedBody(chunks: number) {
  const pulled = { chunks: 0 };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulled.chunks += 1;
        if (pulled.chunks > chunks) controller.close();
        else
          controller.enqueue(
            new TextEncoder().encode(pulled.chunks === 1 ? '{"name":"x"' : ' '.repeat(1024)),
          );
      },
    },
    { highWaterMark: 0 },
  ); // pulled only when read
  return { body, pulled };
}

const handled: unknown[] = [];
const example = route({
  GET: operation({
    operationId: 'getThing',
    summary: 'Read a thing',
    tag: 'Service',
    access: 'public',
    params: v.object({ id: v.pipe(v.string(), v.regex(/^\d+$/, 'must be digits')) }),
    query: v.object({ limit: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'must be digits'))) }),
    responses: { 200: { description: 'The thing.' } },
    async handle({ params, query }) {
      handled.push({ params, query });
      return Response.json({ id: params.id, limit: query.limit ?? null });
    },
  }),
  POST: operation({
    operationId: 'createThing',
    summary: 'Create a thing',
    tag: 'Service',
    access: 'post-writes',
    body: v.object({ name: v.string() }),
    responses: { 201: { description: 'Created.' } },
    async handle({ body }) {
      handled.push(body);
      return Response.json(body, { status: 201 });
    },
  }),
});

const call = (method: string, init: RequestInit & { params?: Record<string, string> } = {}) =>
  example[method as (typeof ROUTE_METHODS)[number]](
    new Request('http://localhost/api/things/1', { method, duplex: 'half', ...init } as RequestInit),
    context(init.params ?? { id: '1' }),
  );

describe('route()', () => {
  test('exports all seven methods', () => {
    assert.deepEqual(Object.keys(example).sort(), [...ROUTE_METHODS].sort());
  });

  test('a method the route does not serve: 405, the exact Allow and a problem body naming the method', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const response = await call(method);
      assert.equal(response.status, 405);
      assert.equal(response.headers.get('allow'), 'GET, HEAD, OPTIONS, POST');
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
      const problem = (await response.json()) as { status: number; detail: string };
      assert.equal(problem.status, 405);
      assert.match(problem.detail, new RegExp(method));
    }
  });

  test('OPTIONS: 204 with Allow, no body; a method Next.js cannot route (marked by the server) is a 405', async () => {
    const options = await call('OPTIONS');
    assert.equal(options.status, 204);
    assert.equal(options.headers.get('allow'), 'GET, HEAD, OPTIONS, POST');
    assert.equal(await options.text(), '');
    const trace = await call('OPTIONS', { headers: { [UNROUTABLE_METHOD_HEADER]: 'TRACE' } });
    assert.equal(trace.status, 405);
    assert.equal(trace.headers.get('allow'), 'GET, HEAD, OPTIONS, POST');
    assert.match(((await trace.json()) as { detail: string }).detail, /TRACE/);
  });

  test('HEAD answers as GET, without the body', async () => {
    const get = await call('GET');
    const head = await call('HEAD');
    assert.equal(head.status, get.status);
    assert.equal(head.headers.get('content-type'), get.headers.get('content-type'));
    assert.equal(await head.text(), '');
  });

  test('the handler gets parsed input; a bad path or query parameter is a 400 that never reaches it', async () => {
    handled.length = 0;
    const good = await example.GET(
      new Request('http://localhost/api/things/7?limit=3'),
      context({ id: '7' }),
    );
    assert.deepEqual(await good.json(), { id: '7', limit: '3' });
    const badPath = await call('GET', { params: { id: 'x' } });
    assert.equal(badPath.status, 400);
    assert.match(((await badPath.json()) as { detail: string }).detail, /The id in the path must be digits/);
    const badQuery = await example.GET(
      new Request('http://localhost/api/things/7?limit=x'),
      context({ id: '7' }),
    );
    assert.equal(badQuery.status, 400);
    assert.equal(handled.length, 1);
  });

  test('access is checked before a byte of the body is read, and the connection is not kept for the rest', async () => {
    const { body, pulled } = countedBody(1000);
    const response = await call('POST', {
      body,
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('connection'), 'close');
    assert.equal(pulled.chunks, 0);
  });

  test('a declared length over the cap is refused before reading; a streamed one stops at the cap', async () => {
    const auth = { authorization: 'Bearer route-test-token-0123456789', 'content-type': 'application/json' };
    const declared = countedBody(1000);
    const refused = await call('POST', {
      body: declared.body,
      headers: { ...auth, 'content-length': String(11 * 1024 * 1024) },
    });
    assert.equal(refused.status, 413);
    assert.equal(refused.headers.get('connection'), 'close');
    assert.equal(declared.pulled.chunks, 0);

    const streamed = countedBody(1000);
    const stopped = await call('POST', {
      body: streamed.body,
      headers: { ...auth, 'transfer-encoding': 'chunked' },
    });
    assert.equal(stopped.status, 413);
    assert.equal(stopped.headers.get('connection'), 'close');
    assert.ok(streamed.pulled.chunks < 80, `pulled ${streamed.pulled.chunks} KiB for a 64 KiB cap`);
  });

  test('any answer given without reading a body says the connection closes; none without a body does', async () => {
    const chunked = { 'transfer-encoding': 'chunked' };
    const unread = [
      await call('DELETE', { body: countedBody(10).body, headers: chunked }),
      await call('OPTIONS', { body: countedBody(10).body, headers: chunked }),
      await noRoute().PUT(
        new Request('http://localhost/api/nothing', {
          method: 'PUT',
          body: 'x',
          headers: { 'content-length': '1' },
        }),
        context({}),
      ),
    ];
    assert.deepEqual(
      unread.map((response) => [response.status, response.headers.get('connection')]),
      [
        [405, 'close'],
        [204, 'close'],
        [404, 'close'],
      ],
    );
    assert.equal((await call('DELETE')).headers.get('connection'), null);
    assert.equal((await call('GET')).headers.get('connection'), null);
  });

  test('a read body that fails its schema is a 422 and keeps the connection', async () => {
    const response = await call('POST', {
      body: JSON.stringify({ name: 1 }),
      headers: { authorization: 'Bearer route-test-token-0123456789', 'content-type': 'application/json' },
    });
    assert.equal(response.status, 422);
    assert.equal(response.headers.get('connection'), null);
  });
});

describe('the route files', () => {
  test('every route file exports all seven methods through the helper, and nothing else', async () => {
    for (const [file, module] of await routeModules()) {
      assert.deepEqual(Object.keys(module).sort(), [...ROUTE_METHODS].sort(), file);
      for (const method of ROUTE_METHODS) {
        assert.equal(
          typeof (module[method] as { operations?: unknown }).operations,
          'object',
          `${file} ${method}`,
        );
      }
    }
  });

  test('the catch-all answers every method with a problem 404', async () => {
    const exports = noRoute();
    for (const method of ROUTE_METHODS) {
      const response = await exports[method](
        new Request('http://localhost/api/nowhere', { method }),
        context(),
      );
      assert.equal(response.status, 404, method);
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
    }
  });
});
