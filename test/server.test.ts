import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { prepareRequest, UNROUTABLE_METHOD_HEADER } from '../src/server/requests';
import { headWithFirstChunk } from '../src/server/responses';

/** A request as Node's parser hands it over, from a peer at `peer`. */
function incoming(method: string, url: string, headers: Record<string, string> = {}, peer = '203.0.113.9') {
  const sent = { host: 'x', ...headers };
  return {
    method,
    url,
    httpVersion: '1.1',
    headers: sent,
    rawHeaders: Object.entries(sent).flat(),
    socket: { remoteAddress: peer },
  } as unknown as IncomingMessage;
}

describe('prepareRequest', () => {
  test('the peer becomes the last X-Forwarded-For entry, after whatever the client sent', () => {
    const direct = incoming('GET', '/');
    prepareRequest(direct, 0);
    assert.equal(direct.headers['x-forwarded-for'], '203.0.113.9');
    const forged = incoming('GET', '/', { 'x-forwarded-for': '1.1.1.1, 2.2.2.2' });
    prepareRequest(forged, 0);
    assert.equal(forged.headers['x-forwarded-for'], '1.1.1.1, 2.2.2.2, 203.0.113.9');
  });

  test('without a trusted proxy, forwarding headers and the request id a client sends are not believed', () => {
    const request = incoming('GET', '/', { 'x-forwarded-host': 'evil.example', 'x-request-id': 'mine' });
    const { requestId } = prepareRequest(request, 0);
    assert.equal(request.headers['x-forwarded-host'], undefined);
    assert.notEqual(requestId, 'mine');
    assert.equal(request.headers['x-request-id'], requestId);
    const proxied = incoming('GET', '/', { 'x-forwarded-host': 'example.com', 'x-request-id': 'abc-123' });
    assert.equal(prepareRequest(proxied, 1).requestId, 'abc-123');
    assert.equal(proxied.headers['x-forwarded-host'], 'example.com');
    assert.notEqual(
      prepareRequest(incoming('GET', '/', { 'x-request-id': 'bad id\n' }), 1).requestId,
      'bad id\n',
    );
  });

  test('a method Next.js cannot route goes on as OPTIONS, marked; a client cannot set the mark itself', () => {
    const trace = incoming('PROPFIND', '/api/posts');
    prepareRequest(trace, 0);
    assert.equal(trace.method, 'OPTIONS');
    assert.equal(trace.headers[UNROUTABLE_METHOD_HEADER], 'PROPFIND');
    const options = incoming('OPTIONS', '/api/posts', { [UNROUTABLE_METHOD_HEADER]: 'TRACE' });
    prepareRequest(options, 0);
    assert.equal(options.headers[UNROUTABLE_METHOD_HEADER], undefined);
  });

  test('request targets: absolute-form becomes a path; `*`, other schemes and bad percent-encoding are refused', () => {
    const absolute = incoming('GET', 'http://example.com/api/posts?limit=2');
    assert.equal(prepareRequest(absolute, 0).refusal, undefined);
    assert.equal(absolute.url, '/api/posts?limit=2');
    assert.equal(prepareRequest(incoming('OPTIONS', '*'), 0).refusal?.status, 204);
    for (const [method, target] of [
      ['GET', '*'],
      ['GET', 'ftp://example.com/x'],
      ['GET', 'http://a:b/'],
      ['GET', '/api/posts/%E0%A4%A'],
      ['GET', '/posts/%'],
    ]) {
      assert.equal(
        prepareRequest(incoming(method as string, target as string), 0).refusal?.status,
        400,
        target,
      );
    }
    // The query is Next.js's to read leniently, as browsers write it.
    assert.equal(prepareRequest(incoming('GET', '/api/posts?q=100%'), 0).refusal, undefined);
  });

  test('Host: one, a host and optional port (RFC 9112 §3.2), and no expectation but 100-continue', () => {
    const status = (request: IncomingMessage) => prepareRequest(request, 0).refusal?.status;
    for (const host of ['example.com', 'example.com:8080', '203.0.113.9:80', '[2001:db8::1]:443', '']) {
      assert.equal(status(incoming('GET', '/', { host })), undefined, host);
    }
    for (const host of ['a b', 'a/b', 'example.com:80x', '[::1']) {
      assert.equal(status(incoming('GET', '/', { host })), 400, host);
    }
    const twice = incoming('GET', '/');
    twice.rawHeaders.push('HOST', 'y');
    assert.equal(status(twice), 400);
    const none = incoming('GET', '/');
    none.rawHeaders.length = 0;
    assert.equal(status(none), 400);
    none.httpVersion = '1.0';
    assert.equal(status(none), undefined, 'HTTP/1.0 has no Host to require');
    assert.equal(status(incoming('PUT', '/api/posts/1', { expect: '100-Continue' })), undefined);
    assert.equal(status(incoming('PUT', '/api/posts/1', { expect: '200-ok' })), 417);
  });
});

describe('page bodies, checked before Next.js reads them', () => {
  const refusal = (method: string, url: string, headers: Record<string, string> = {}) =>
    prepareRequest(incoming(method, url, headers), 0).refusal;

  test('a form of up to 1 MiB passes; more is 413, and a body without Content-Length is 411', () => {
    const form = { 'content-type': 'multipart/form-data; boundary=x' };
    assert.equal(refusal('POST', '/contact', { ...form, 'content-length': String(1024 * 1024) }), undefined);
    assert.equal(refusal('POST', '/contact', { 'content-length': String(1024 * 1024 + 1) })?.status, 413);
    assert.equal(refusal('POST', '/contact', { 'transfer-encoding': 'chunked' })?.status, 411);
  });

  test('the API reads and caps its own bodies', () => {
    assert.equal(refusal('POST', '/api/posts', { 'content-length': String(50 * 1024 * 1024) }), undefined);
    assert.equal(refusal('POST', '/api/posts', { 'transfer-encoding': 'chunked' }), undefined);
  });

  test('/api itself is no route, and its body is capped as a page’s (the proxy would buffer it)', () => {
    assert.equal(refusal('POST', '/api', { 'content-length': String(1024 * 1024 + 1) })?.status, 413);
    assert.equal(refusal('POST', '/api', { 'transfer-encoding': 'chunked' })?.status, 411);
  });

  test('a path is checked where it leads: dot segments that leave /api reach a page, and its limits', () => {
    for (const url of [
      '/api/%2e%2e/contact',
      '/api/../contact',
      '/api/%2E%2E/contact?x=1',
      '/api/posts/%2e%2e/..',
      '/api\\..\\contact',
      '/api/.%2E/contact',
      '/api/\t../contact',
    ]) {
      assert.equal(refusal('POST', url, { 'transfer-encoding': 'chunked' })?.status, 411, url);
      assert.equal(refusal('POST', url, { 'content-length': String(1024 * 1024 + 1) })?.status, 413, url);
    }
    assert.equal(refusal('POST', '/contact/../api/posts', { 'transfer-encoding': 'chunked' }), undefined);
    assert.equal(refusal('POST', '/api/x/%2e%2e/posts', { 'transfer-encoding': 'chunked' }), undefined);
    assert.equal(refusal('POST', '/api/%2e%2e/_next/static/a.js')?.status, 405);
  });

  test('the build’s files are only read', () => {
    assert.equal(refusal('GET', '/_next/static/chunks/a.js'), undefined);
    const deleted = refusal('DELETE', '/_next/static/chunks/a.js');
    assert.deepEqual([deleted?.status, deleted?.headers], [405, { Allow: 'GET, HEAD' }]);
  });
});

describe('pages, answered before Next.js sees them where it would render the page', () => {
  const prepared = (method: string, url: string, headers: Record<string, string> = {}) =>
    prepareRequest(incoming(method, url, headers), 0);
  const form = { 'content-type': 'multipart/form-data; boundary=x' };

  test('a page answers GET, HEAD and OPTIONS; the contact page POST too; any other method is a 405', () => {
    for (const method of ['GET', 'HEAD']) assert.equal(prepared(method, '/posts/1').refusal, undefined);
    assert.deepEqual(prepared('OPTIONS', '/').refusal, {
      status: 204,
      detail: '',
      headers: { Allow: 'GET, HEAD, OPTIONS' },
    });
    assert.equal(prepared('OPTIONS', '/contact').refusal?.headers?.Allow, 'GET, HEAD, OPTIONS, POST');
    assert.equal(prepared('POST', '/contact', form).refusal, undefined);
    for (const [method, url] of [
      ['POST', '/'],
      ['PUT', '/contact'],
      ['DELETE', '/posts/1'],
      ['TRACK', '/contact'],
      ['POST', '/api/../contact/x'],
    ] as const) {
      const refused = prepared(method, url, form).refusal;
      assert.equal(refused?.status, 405, `${method} ${url}`);
      assert.match(refused?.detail ?? '', new RegExp(`^${method} is not allowed on this page`));
    }
  });

  test('a form post from another site is a 403, one that is not multipart/form-data a 415', () => {
    const host = { host: 'example.com' };
    assert.equal(
      prepared('POST', '/contact', { ...form, ...host, origin: 'https://evil.example' }).refusal?.status,
      403,
    );
    assert.equal(prepared('POST', '/', { ...host, origin: 'null' }).refusal?.status, 403);
    assert.equal(
      prepared('POST', '/contact', { ...form, ...host, origin: 'https://example.com' }).refusal,
      undefined,
    );
    assert.equal(prepared('POST', '/contact', { 'content-type': 'application/json' }).refusal?.status, 415);
    assert.equal(prepared('POST', '/contact').refusal?.status, 415);
  });

  test('paths Next.js redirects to their clean form are left to it, whatever the method', () => {
    for (const url of ['/contact/', '//contact', '/contact/.', '/posts/1/', '/foo\\..\\contact']) {
      for (const method of ['PUT', 'OPTIONS', 'POST']) {
        const result = prepared(method, url, form);
        assert.deepEqual(
          [result.refusal, !result.refusal && result.page],
          [undefined, false],
          `${method} ${url}`,
        );
      }
    }
  });

  test('the API and Next.js’s own files and endpoints are no page', () => {
    const kinds = (url: string) => {
      const result = prepared('GET', url);
      return result.refusal ? result.refusal.status : [result.api, result.page];
    };
    assert.deepEqual(kinds('/api/posts'), [true, false]);
    assert.deepEqual(kinds('/_next/static/chunks/a.js'), [false, false]);
    assert.deepEqual(kinds('/_next/image'), [false, false]);
    assert.equal(prepared('PUT', '/__nextjs_original-stack-frames').refusal?.status, 405);
    for (const url of ['/__nextjs_original-stack-frames', '/_next/mcp']) {
      assert.equal(prepared('POST', url, form).refusal?.status, 405, url);
      const development = prepareRequest(incoming('POST', url, form), 0, true);
      assert.deepEqual(
        [development.refusal, !development.refusal && development.page],
        [undefined, false],
        url,
      );
    }
    for (const url of ['/', '/contact', '/api', '/_next/imagex', '/api/%2e%2e/docs', '/favicon.ico']) {
      assert.deepEqual(kinds(url), [false, true], url);
    }
  });
});

describe('headWithFirstChunk', () => {
  /** Serves one request with `answer` (after headWithFirstChunk); what the client saw, and when. */
  async function served(answer: (response: ServerResponse) => void) {
    const server = http.createServer((_request, response) => {
      headWithFirstChunk(response);
      answer(response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const started = performance.now();
      return await new Promise<{ status?: number; body: string; headAfter: number; bodyAfter: number }>(
        (resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
              const headAfter = performance.now() - started;
              let body = '';
              response.setEncoding('utf8');
              response.on('data', (chunk: string) => (body += chunk));
              response.on('end', () =>
                resolve({
                  status: response.statusCode,
                  body,
                  headAfter,
                  bodyAfter: performance.now() - started,
                }),
              );
            })
            .on('error', reject);
        },
      );
    } finally {
      server.close();
    }
  }

  test("Next.js's flushHeaders() before its first chunk sends nothing: the head goes with the chunk", async () => {
    let writtenByFlush = -1;
    const seen = await served((response) => {
      // What Next.js's pipe-readable does: flushHeaders(), then at once the first chunk.
      response.flushHeaders();
      writtenByFlush = response.socket?.bytesWritten ?? -1;
      response.statusCode = 201;
      response.end(Buffer.from('{"id":1}'));
    });
    assert.equal(writtenByFlush, 0, `flushHeaders() wrote ${writtenByFlush} bytes on its own`);
    assert.equal(seen.status, 201);
    assert.equal(seen.body, '{"id":1}');
  });

  test('an answer whose first chunk is slow still gets its head at once', async () => {
    const seen = await served((response) => {
      response.flushHeaders();
      setTimeout(() => response.end('late'), 300);
    });
    console.info(
      `[server] head after ${seen.headAfter.toFixed(0)} ms, body after ${seen.bodyAfter.toFixed(0)} ms`,
    );
    assert.equal(seen.body, 'late');
    assert.ok(seen.bodyAfter >= 290, `the body came after ${seen.bodyAfter.toFixed(0)} ms`);
    assert.ok(
      seen.headAfter < seen.bodyAfter - 150,
      `the head waited ${seen.headAfter.toFixed(0)} ms for the body`,
    );
  });
});
