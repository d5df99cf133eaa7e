import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { isolatedDatabase } from './support/databases';
import { rawRequest } from './support/raw';
import { startServer, type RunningServer } from './support/server';

/**
 * Uploads the server must refuse without reading them: it answers from the headers (access, declared length)
 * or stops at the cap, and closes the connection rather than drain the rest. Run on a server of the test's
 * own, whose memory it can read.
 */

const TOKEN = 'uploads-token-0123456789';
const MB = 1024 * 1024;

/** Resident memory of a process, in MB (Linux's /proc). */
const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length * q)] ?? NaN;
const median = (values: number[]) => quantile(values, 0.5);

/** The median of a process's RSS sampled every 100 ms for `ms`: one reading is at the mercy of the next GC. */
async function medianRss(pid: number, ms: number): Promise<number> {
  const samples: number[] = [];
  for (const until = Date.now() + ms; Date.now() < until;) {
    samples.push(rssOf(pid));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return median(samples);
}

/**
 * Has the server's V8 collect all garbage now, through its inspector (the server runs with `--inspect`): what
 * a reading then shows is what the process holds, not where its heap stood when the load ended. Twice, because
 * the buffers a first collection frees are released by callbacks it schedules.
 */
async function collectGarbage(server: RunningServer): Promise<void> {
  const inspector = /Debugger listening on (ws:\/\/\S+)/.exec(server.output())?.[1];
  if (!inspector) throw new Error(`the server printed no inspector address:\n${server.output()}`);
  const socket = new WebSocket(inspector);
  await once(socket, 'open');
  for (const id of [1, 2]) {
    socket.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
    for (;;) {
      const [message] = (await once(socket, 'message')) as [Buffer];
      if ((JSON.parse(message.toString()) as { id?: number }).id === id) break;
    }
  }
  socket.close();
  await once(socket, 'close');
}

interface Upload {
  /** Bytes written to the socket when the first byte of the answer arrived (undefined: no answer yet). */
  sentWhenAnswered?: number;
  status?: number;
  /** What the socket failed with, if it did (for the report of an upload left unanswered). */
  error?: string;
  /** Bytes written to the socket so far. */
  sent: number;
  closed: Promise<void>;
  socket: net.Socket;
}

/**
 * A raw upload: the request head (declaring `declared` bytes, or chunked when undefined), then up to `send`
 * bytes of body in 64 KiB chunks, every `pauseMs` (0: as fast as the socket takes them); after that it
 * stalls, holding the connection.
 */
function upload(
  server: RunningServer,
  path: string,
  {
    declared,
    send,
    token,
    pauseMs = 0,
  }: { declared?: number; send: number; token?: string; pauseMs?: number },
): Upload {
  const socket = net.connect(server.port, '127.0.0.1');
  const state: Upload = {
    socket,
    sent: 0,
    closed: new Promise((resolve) => socket.once('close', () => resolve())),
  };
  // A server that closes on us mid-upload is the point; the error is kept for the report.
  socket.on('error', (error: NodeJS.ErrnoException) => (state.error ??= error.code ?? error.message));
  socket.once('data', (chunk) => {
    state.sentWhenAnswered = state.sent;
    state.status = Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1]);
  });
  const head = [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Content-Type: application/json',
    declared === undefined ? 'Transfer-Encoding: chunked' : `Content-Length: ${declared}`,
    ...(token ? [`Authorization: Bearer ${token}`] : []),
  ];
  socket.write(`${head.join('\r\n')}\r\n\r\n`);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  void (async () => {
    while (state.sent < send && !socket.destroyed && state.status === undefined) {
      const framed =
        declared === undefined
          ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])
          : chunk;
      const flushed = socket.write(framed);
      state.sent += chunk.length;
      if (!flushed) {
        await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), state.closed]);
      }
      if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return state;
}

/** Waits until every upload has its answer (or 30 s have passed). */
async function allAnswered(uploads: Upload[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (uploads.some((one) => one.status === undefined) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function timedHello(server: RunningServer): Promise<number> {
  const start = performance.now();
  const response = await fetch(`${server.url}/api/hello`);
  await response.text();
  expect(response.status).toBe(200);
  return performance.now() - start;
}

test.describe('uploads the server refuses', () => {
  test.skip(process.platform !== 'linux', 'reads the server’s memory from /proc');
  test.describe.configure({ mode: 'serial' });
  let server: RunningServer;
  let database: ReturnType<typeof isolatedDatabase>;

  test.beforeAll(async () => {
    database = isolatedDatabase('uploads');
    // The inspector (on a port of its own choosing, on loopback) lets the test force a collection before it
    // reads the server's memory.
    server = await startServer({
      DATABASE_URL: database.url,
      API_TOKEN: TOKEN,
      NODE_OPTIONS: '--inspect=127.0.0.1:0',
    });
  });
  test.afterAll(async () => {
    await server.stop('SIGTERM');
    await database.dispose();
  });

  test('a 50 MB body without a token gets its 401 before 1 MB is sent, and the connection closes', async () => {
    await fetch(`${server.url}/api/posts`); // the route is loaded: what is timed is the refusal, not a cold start
    // A fast client on a fast link: 64 KiB every 5 ms is 100 Mbit/s. (On loopback, without a pause, the
    // kernel's socket buffers alone take megabytes before any server could answer.)
    const refused = upload(server, '/api/posts', { declared: 50 * MB, send: 50 * MB, pauseMs: 5 });
    await expect.poll(() => refused.status, { timeout: 10_000 }).toBe(401);
    console.info(`[uploads] 401 after ${(refused.sentWhenAnswered! / 1024).toFixed(0)} KiB of 50 MB sent`);
    expect(refused.sentWhenAnswered!).toBeLessThan(MB);
    await refused.closed;
  });

  test('every answer given without reading the body closes the connection: a 405, an unknown /api path', async () => {
    for (const path of ['/api/hello', '/api/no-such-route']) {
      const refused = upload(server, path, { declared: 50 * MB, send: 50 * MB, pauseMs: 5 });
      await expect.poll(() => refused.status, { timeout: 10_000 }).toBe(path === '/api/hello' ? 405 : 404);
      expect(refused.sentWhenAnswered!).toBeLessThan(MB);
      // The client stops sending once answered; a server that meant to drain the rest would keep it open.
      const closed = await Promise.race([
        refused.closed.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000)),
      ]);
      expect(closed, `${path}: the connection closes after the answer`).toBe(true);
    }
  });

  test('a path whose dot segments leave /api leads to a page, and a page’s upload is refused before it is read', async () => {
    // Next.js resolves the dot segments: this is the contact page, whose bodies the server caps itself.
    const page = await rawRequest(server.url, { method: 'GET', path: '/api/%2e%2e/contact' });
    expect([page.status, page.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    const refused = upload(server, '/api/%2e%2e/contact', { send: 50 * MB, pauseMs: 5 });
    await expect.poll(() => refused.status, { timeout: 10_000 }).toBe(411);
    console.info(`[uploads] 411 after ${(refused.sentWhenAnswered! / 1024).toFixed(0)} KiB of 50 MB sent`);
    expect(refused.sentWhenAnswered!).toBeLessThan(MB);
    await refused.closed;
  });

  test('300 stalled uploads declaring 11 MB: memory stays flat and /api/hello keeps answering', async () => {
    test.setTimeout(120_000);
    // The three kinds of upload below: refused by the declared length, by the missing token, and streamed
    // (chunked) past the cap.
    const kinds = [
      () => upload(server, '/api/posts', { declared: 11 * MB, send: 1.1 * MB, token: TOKEN }),
      () => upload(server, '/api/posts', { declared: 11 * MB, send: 1.1 * MB }),
      () => upload(server, '/api/posts', { send: 1.1 * MB, token: TOKEN }),
    ];
    // One round: 300 uploads, opened 10 every 50 ms (200 a second), the three kinds in turn, while
    // /api/hello is timed for 8 s; then until every upload has its answer.
    const round = async () => {
      const uploads: Upload[] = [];
      const opening = (async () => {
        for (let index = 0; index < 300; index += 1) {
          uploads.push(kinds[index % 3]!());
          if (index % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      const latencies: number[] = [];
      let peak = 0;
      for (const until = Date.now() + 8_000; Date.now() < until;) {
        latencies.push(await timedHello(server));
        peak = Math.max(peak, rssOf(server.pid));
      }
      await opening;
      await allAnswered(uploads);
      return { uploads, latencies, peak };
    };
    // First the same round, let go once answered: a fresh process's heap and compiled code grow to their
    // working size under any new load (this one takes ~50 MB), and that is not what is measured here; what
    // is measured is whether 300 held connections hold their bodies.
    const warming = await round();
    for (const one of warming.uploads) one.socket.destroy();
    const beforeUncollected = await medianRss(server.pid, 1_000);
    await collectGarbage(server);
    const before = await medianRss(server.pid, 1_000);
    // Then the same again, the 300 held open.
    const { uploads, latencies, peak } = await round();
    // What the server holds with the 300 uploads still open on the client's side.
    const heldUncollected = await medianRss(server.pid, 1_000);
    await collectGarbage(server);
    const held = await medianRss(server.pid, 1_000);
    // The server's open descriptors while the client still holds the 300: a refused upload's connection is
    // closed by the server, not kept (held ones would add 300).
    const descriptors = readdirSync(`/proc/${server.pid}/fd`).length;
    const answered = uploads.filter((one) => one.status !== undefined);
    console.info(
      `[uploads] RSS after a collection ${before.toFixed(0)} MB → ${held.toFixed(0)} MB with 300 stalled uploads ` +
        `(before the collection ${beforeUncollected.toFixed(0)} → ${heldUncollected.toFixed(0)} MB, peak ${peak.toFixed(0)} MB); ` +
        `${answered.length} refused (${[...new Set(answered.map((one) => one.status))].join(', ')}); ` +
        `/api/hello median ${median(latencies).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms ` +
        `over ${latencies.length} requests; ${descriptors} descriptors open`,
    );
    const unanswered = uploads.flatMap((one, index) =>
      one.status === undefined
        ? [`#${index} (kind ${index % 3}): ${one.sent} bytes sent, ${one.error ?? 'no socket error'}`]
        : [],
    );
    expect(unanswered, 'uploads left without an answer').toEqual([]);
    expect(answered.every((one) => one.status === 413 || one.status === 401)).toBe(true);
    expect(descriptors).toBeLessThan(100);
    // Held bodies would show as ~1.1 MB each: 330 MB for the 300 (the proxy once held 1 GB for 1,000; a
    // server made to keep what it read grew by 339 MB here). Both readings follow a forced collection: without
    // it, the RSS left after identical rounds of this load ranged from 118 to 238 MB, wherever V8's heap stood
    // when the round ended; after one, three runs read 123 → 123, 125 → 120 and 123 → 121 MB.
    expect(held - before).toBeLessThan(50);
    // The p99 (of ~600–1,700 answers) rather than the single slowest: on Node 22 in CI a lone answer took
    // 238–272 ms (medians 4.9–7.8 ms) on this shared 2-core machine, while a server held up by the uploads
    // would be slow for many. The max is still bounded: no answer waits a second.
    expect(quantile(latencies, 0.99)).toBeLessThan(200);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    for (const one of uploads) one.socket.destroy();
  });
});
