import { readFileSync } from 'node:fs';
import net from 'node:net';
import { expect, test } from '@playwright/test';
import { isolatedDatabase, type IsolatedDatabase } from './support/databases';
import { startServer, type RunningServer } from './support/server';

/**
 * What the production server (`npm start`, server.ts) does at the socket: timeouts, requests Next.js could
 * not route, one access-log line per request, a graceful shutdown and worker processes. Each test runs a
 * server of its own.
 */

const TOKEN = 'server-token-0123456789';
const authorized = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

/** CPU seconds (user + system) a process has used, from Linux's /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Sends raw bytes on a new connection; resolves with everything the server sent before it closed. */
function raw(server: RunningServer, bytes: string, { stallMs = 0 } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received));
    socket.write(bytes);
    if (!stallMs) setTimeout(() => socket.end(), 2_000);
  });
}

test.describe('the production server', () => {
  let database: IsolatedDatabase;
  test.beforeEach(() => {
    database = isolatedDatabase('server');
  });
  test.afterEach(async () => {
    await database.dispose();
  });

  test('TRACE, TRACK, CONNECT, `*` and malformed targets get problem answers with the security headers', async () => {
    const server = await startServer({ DATABASE_URL: database.url });
    try {
      const answers = {
        trace: await raw(server, 'TRACE /api/posts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
        traceAbsolute: await raw(
          server,
          'TRACE http://example.com/api/posts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        ),
        // An absolute-form target whose port is not a number: not a URL at all.
        badAbsolute: await raw(
          server,
          'TRACE http://a:b/api/posts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        ),
        track: await raw(server, 'TRACK /api/posts HTTP/1.1\r\nHost: x\r\n\r\n'),
        connect: await raw(server, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'),
        star: await raw(server, 'GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
        percent: await raw(
          server,
          'GET /api/posts/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        ),
        pagePercent: await raw(server, 'GET /posts/% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
        absolute: await raw(
          server,
          'GET http://example.com/api/hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        ),
      };
      const status = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
      expect(status(answers.trace), answers.trace).toBe(405);
      expect(answers.trace).toMatch(/\r\nAllow: GET, HEAD, OPTIONS, POST\r\n/i);
      expect(status(answers.traceAbsolute), answers.traceAbsolute).toBe(405);
      for (const name of ['badAbsolute', 'track', 'connect', 'star', 'percent', 'pagePercent'] as const) {
        expect(status(answers[name]), `${name}: ${answers[name]}`).toBe(400);
      }
      for (const [name, answer] of Object.entries(answers).filter(([name]) => name !== 'absolute')) {
        expect(answer, name).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
        expect(answer, name).toMatch(/\r\nx-content-type-options: nosniff\r\n/i);
        expect(answer, name).toMatch(/"status":4\d\d/);
      }
      // Absolute-form is a valid request line: it is served as its path.
      expect(status(answers.absolute)).toBe(200);
      expect(answers.absolute).toContain('{"message":"Hello, world!"}');
    } finally {
      await server.stop('SIGTERM');
    }
  });

  test('a request is answered when what follows it is not one; Upgrade is ignored; Host and Expect are checked', async () => {
    const server = await startServer({ DATABASE_URL: database.url, API_TOKEN: TOKEN });
    try {
      const status = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
      const post = JSON.stringify({ title: 'Stray', body: 'A byte follows this body.' });
      const answers = {
        // A byte past the body (a Content-Length that counted characters, say): the write is answered.
        strayByte: await raw(
          server,
          `POST /api/posts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${post.length}\r\n\r\n${post}X`,
        ),
        notARequest: await raw(server, 'GET /api/hello HTTP/1.1\r\nHost: x\r\n\r\nBOGUS\r\n\r\n'),
        // curl --http2 on http:// asks for h2c on every request; a server may answer over HTTP/1.1.
        h2c: await raw(
          server,
          'GET /api/hello HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n' +
            'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
        ),
        websocket: await raw(
          server,
          'GET /api/hello HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        ),
        noHost: await raw(server, 'GET /api/hello HTTP/1.1\r\n\r\n'),
        twoHosts: await raw(server, 'GET /api/hello HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n'),
        badHost: await raw(server, 'GET /api/hello HTTP/1.1\r\nHost: a b\r\n\r\n'),
        expectation: await raw(server, 'GET /api/hello HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n'),
        // HTTP/1.0 has no Host to require; an IPv6 literal with a port is a host.
        http10: await raw(server, 'GET /api/hello HTTP/1.0\r\n\r\n'),
        ipv6Host: await raw(server, 'GET /api/hello HTTP/1.1\r\nHost: [::1]:80\r\nConnection: close\r\n\r\n'),
      };
      expect(status(answers.strayByte), answers.strayByte).toBe(201);
      expect(answers.strayByte).toMatch(/\r\nConnection: close\r\n/i);
      const created = /"id":(\d+)/.exec(answers.strayByte)?.[1];
      expect((await fetch(`${server.url}/api/posts/${created}`)).status).toBe(200);
      expect(status(answers.notARequest), answers.notARequest).toBe(200);
      expect(answers.notARequest).toMatch(/\r\nConnection: close\r\n/i);
      for (const name of ['notARequest', 'h2c', 'websocket', 'http10', 'ipv6Host'] as const) {
        expect(status(answers[name]), `${name}: ${answers[name]}`).toBe(200);
        expect(answers[name], name).toContain('{"message":"Hello, world!"}');
      }
      for (const name of ['noHost', 'twoHosts', 'badHost'] as const) {
        expect(status(answers[name]), `${name}: ${answers[name]}`).toBe(400);
      }
      expect(status(answers.expectation), answers.expectation).toBe(417);
      for (const name of ['noHost', 'twoHosts', 'badHost', 'expectation'] as const) {
        expect(answers[name], name).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
        expect(answers[name], name).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/i);
        expect(answers[name], name).toMatch(/\r\nx-content-type-options: nosniff\r\n/i);
      }
    } finally {
      await server.stop('SIGTERM');
    }
  });

  test('every answer has a request id, logged on one line with method, path, status and duration', async () => {
    const server = await startServer({ DATABASE_URL: database.url, LOG_FORMAT: 'json' });
    try {
      const response = await fetch(`${server.url}/api/hello?secret=search`, {
        headers: { 'X-Request-Id': 'from-client' },
      });
      const id = response.headers.get('x-request-id') as string;
      // No trusted proxy: a client's own id is not taken.
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await expect.poll(() => server.output()).toContain(id);
      const line = server
        .output()
        .split('\n')
        .find((entry) => entry.includes(id)) as string;
      expect(JSON.parse(line)).toMatchObject({
        method: 'GET',
        path: '/api/hello',
        status: 200,
        requestId: id,
      });
      expect(line).not.toContain('secret');
    } finally {
      await server.stop('SIGTERM');
    }
    const proxied = await startServer({ DATABASE_URL: database.url, TRUSTED_PROXIES: '1' });
    try {
      const response = await fetch(`${proxied.url}/api/hello`, {
        headers: { 'X-Request-Id': 'from-the-proxy.1' },
      });
      expect(response.headers.get('x-request-id')).toBe('from-the-proxy.1');
    } finally {
      await proxied.stop('SIGTERM');
    }
  });

  test('a stalled body or request head is dropped at its timeout, with a 408', async () => {
    test.setTimeout(60_000);
    const server = await startServer({
      DATABASE_URL: database.url,
      API_TOKEN: TOKEN,
      REQUEST_TIMEOUT_SECONDS: '3',
      HEADERS_TIMEOUT_SECONDS: '2',
    });
    try {
      for (const [label, bytes, limit] of [
        [
          'body',
          `POST /api/posts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"title":`,
          3,
        ],
        ['head', 'GET /api/hello HTTP/1.1\r\nHost: x\r\nX-Slow: ', 2],
      ] as const) {
        const started = performance.now();
        const answer = await raw(server, bytes, { stallMs: 60_000 });
        const seconds = (performance.now() - started) / 1000;
        console.info(
          `[server] a stalled ${label} was dropped after ${seconds.toFixed(1)} s (timeout ${limit} s)`,
        );
        expect(seconds).toBeLessThan(limit + 2);
        expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      }
    } finally {
      await server.stop('SIGTERM');
    }
  });

  test('a log reader that goes away: the server goes on answering, and does not spin on the broken pipe', async () => {
    const server = await startServer({ DATABASE_URL: database.url });
    try {
      server.closeOutput();
      // Each request writes an access-log line into the closed pipe.
      for (let index = 0; index < 20; index += 1) {
        expect((await fetch(`${server.url}/api/hello`)).status).toBe(200);
      }
      const before = cpuSeconds(server.pid);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const used = cpuSeconds(server.pid) - before;
      console.info(`[server] CPU used over 2 s idle after its log pipe closed: ${used.toFixed(2)} s`);
      // A server caught in a loop of logging the pipe's EPIPE (into the same pipe) uses all 2 s.
      expect(used).toBeLessThan(0.5);
      expect((await fetch(`${server.url}/api/hello`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  test('1,000 aborted uploads write at most 1,000 log lines', async () => {
    test.setTimeout(120_000);
    const server = await startServer({ DATABASE_URL: database.url, API_TOKEN: TOKEN });
    try {
      const before = server.output().split('\n').length;
      const abort = (path: string) =>
        new Promise<void>((resolve) => {
          const socket = net.connect(server.port, '127.0.0.1');
          socket.on('error', () => undefined);
          socket.on('close', () => resolve());
          socket.write(
            `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n` +
              `Content-Length: 50000\r\n\r\n{"title":"${'x'.repeat(20_000)}`,
          );
          setTimeout(() => socket.destroy(), 20);
        });
      for (let batch = 0; batch < 20; batch += 1) {
        await Promise.all(
          Array.from({ length: 50 }, (_, index) => abort(index % 2 ? '/api/posts' : '/api/submit-form')),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const lines = server.output().split('\n').length - before;
      console.info(`[server] 1,000 aborted uploads wrote ${lines} log lines`);
      expect(lines).toBeLessThanOrEqual(1_000);
      expect((await fetch(`${server.url}/api/hello`)).status).toBe(200);
    } finally {
      await server.stop('SIGTERM');
    }
  });

  test('SIGTERM under load: every accepted request is answered in full, nothing acknowledged is lost, exit 0', async () => {
    test.setTimeout(90_000);
    const env = {
      DATABASE_URL: database.url,
      API_TOKEN: TOKEN,
      SHUTDOWN_DELAY_SECONDS: '1',
      LOG_FORMAT: 'json',
    };
    const server = await startServer(env);
    const acknowledged: number[] = [];
    const failures: string[] = [];
    let refused = 0;
    const sender = async (worker: number) => {
      for (let index = 0; ; index += 1) {
        try {
          const response = await fetch(`${server.url}/api/posts`, {
            method: 'POST',
            headers: { ...authorized, Connection: 'close' },
            body: JSON.stringify({ title: `Load ${worker}-${index}`, body: 'Steady' }),
          });
          if (response.status !== 201) failures.push(`status ${response.status}`);
          else acknowledged.push(((await response.json()) as { id: number }).id);
        } catch (error) {
          const code = (error as { cause?: { code?: string } }).cause?.code;
          // Refused, or reset while still in the kernel's queue when the port closed: never accepted by the
          // server (its access log, below, is the record of what it accepted). The client stops there.
          if (code === 'ECONNREFUSED' || code === 'ECONNRESET') {
            refused += 1;
            return;
          }
          failures.push(`${code ?? error}`);
        }
      }
    };
    const senders = Array.from({ length: 8 }, (_, worker) => sender(worker));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const stopping = server.stop('SIGTERM');
    const stoppedAt = performance.now();
    // During the shutdown delay the server still serves, and says it is draining.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const healthDuringDrain = (await fetch(`${server.url}/api/health`, { headers: { Connection: 'close' } }))
      .status;
    const exitCode = await stopping;
    const seconds = (performance.now() - stoppedAt) / 1000;
    await Promise.all(senders);
    console.info(
      `[server] SIGTERM under load: ${acknowledged.length} acknowledged, ${refused} never accepted, ` +
        `${failures.length} failed; exited ${exitCode} after ${seconds.toFixed(1)} s`,
    );
    // Every request the server accepted got its whole answer: one access-log line each, none cut short.
    const accepted = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { method: string; path: string; status: number })
      .filter((entry) => entry.method === 'POST');
    expect(accepted.filter((entry) => entry.status !== 201)).toEqual([]);
    expect(accepted.length).toBe(acknowledged.length);
    expect(healthDuringDrain).toBe(503);
    expect(failures).toEqual([]);
    expect(exitCode).toBe(0);
    expect(seconds).toBeLessThan(20);
    expect(acknowledged.length).toBeGreaterThan(10);

    const again = await startServer(env);
    try {
      for (const id of acknowledged)
        expect((await fetch(`${again.url}/api/posts/${id}`)).status, `post ${id}`).toBe(200);
    } finally {
      await again.stop('SIGTERM');
    }
  });

  test('SIGTERM: a request sent on an idle keep-alive connection just after it is answered in full, with Connection: close', async () => {
    const server = await startServer({ DATABASE_URL: database.url, KEEP_ALIVE_TIMEOUT_SECONDS: '3' });
    /** A keep-alive connection whose answers are read one at a time (each ends with its JSON's last brace). */
    const connection = async () => {
      const socket = net.connect(server.port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      let received = '';
      let closed = false;
      socket.on('data', (chunk) => (received += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => (closed = true));
      return {
        async get(): Promise<string> {
          received = '';
          socket.write('GET /api/hello HTTP/1.1\r\nHost: x\r\n\r\n');
          const deadline = performance.now() + 5_000;
          while (!/\}\s*(0\r\n\r\n)?$/.test(received) && !closed && performance.now() < deadline)
            await new Promise((resolve) => setTimeout(resolve, 10));
          return received;
        },
        closed: () => closed,
      };
    };
    const connections = await Promise.all(Array.from({ length: 4 }, connection));
    for (const each of connections) expect(await each.get()).toMatch(/^HTTP\/1\.1 200/);
    const idle = await connection();
    expect(await idle.get()).toMatch(/^HTTP\/1\.1 200/);
    const stopping = server.stop('SIGTERM');
    const stoppedAt = performance.now();
    // The signal has been handled (the port is closed) while these connections sat idle.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const answers = await Promise.all(connections.map((each) => each.get()));
    const exitCode = await stopping;
    const seconds = (performance.now() - stoppedAt) / 1000;
    console.info(
      `[server] SIGTERM with idle keep-alive connections: exited ${exitCode} after ${seconds.toFixed(1)} s`,
    );
    for (const answer of answers) {
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      expect(answer).toMatch(/\r\nconnection: close\r\n/i);
      expect(answer).toContain('Hello, world!');
    }
    // The connection that stayed idle was closed at its keep-alive timeout, and the server exited then.
    expect(idle.closed()).toBe(true);
    expect(exitCode).toBe(0);
    expect(seconds).toBeLessThan(8);
  });

  test('WEB_CONCURRENCY=2: a worker killed under load is replaced and the port keeps answering', async () => {
    test.setTimeout(90_000);
    const server = await startServer({ DATABASE_URL: database.url, WEB_CONCURRENCY: '2' });
    try {
      const pids = () =>
        [...server.output().matchAll(/listening on \S+ \(pid (\d+)\)/g)].map((match) => Number(match[1]));
      await expect.poll(() => pids().length, { timeout: 30_000 }).toBe(2);
      const [victim] = pids() as [number];
      const outcomes: { at: number; ok: boolean }[] = [];
      let loading = true;
      const loader = async () => {
        while (loading) {
          const ok = await fetch(`${server.url}/api/hello`, {
            headers: { Connection: 'close' },
            signal: AbortSignal.timeout(2_000),
          }).then(
            (response) => response.ok,
            () => false,
          );
          outcomes.push({ at: performance.now(), ok });
        }
      };
      const loaders = Array.from({ length: 4 }, loader);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const killedAt = performance.now();
      process.kill(victim, 'SIGKILL');
      await expect.poll(() => pids().length, { timeout: 30_000 }).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 500));
      loading = false;
      await Promise.all(loaders);
      const after = outcomes.filter((outcome) => outcome.at > killedAt);
      const failed = after.filter((outcome) => !outcome.ok).length;
      console.info(
        `[server] a worker killed under load: ${after.length - failed} answered and ${failed} failed after the kill`,
      );
      // The port kept answering, and the replacement took its place.
      expect(after.length - failed).toBeGreaterThan(20);
      expect(failed).toBeLessThanOrEqual(4);
      expect(pids().filter((pid) => pid !== victim)).toHaveLength(2);
      expect((await fetch(`${server.url}/api/hello`)).status).toBe(200);
    } finally {
      await server.stop('SIGTERM');
    }
  });
});
