// The production server (`npm start`): Next.js's custom-server API behind a Node.js HTTP server that owns
// what only the socket knows: the client's address, timeouts, malformed request lines, one access-log line
// per request, the pages' methods and CSP, worker processes on every core, and a graceful shutdown. With
// --dev (`npm run dev`) the same server runs Next.js's development server, in one process.
import { randomUUID } from 'node:crypto';
import cluster from 'node:cluster';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';
import next from 'next';
import { ConfigError, readConfig, type Config } from './src/config';
import { problemJson } from './src/http/problem-json';
import { lifecycle } from './src/lifecycle';
import { within } from './src/within';
import { logWhenDone } from './src/server/access-log';
import { pageSecurityPolicy } from './src/server/pages';
import { prepareRequest, type Refusal } from './src/server/requests';
import { requestContexts, type RequestContext } from './src/request-context';
import {
  headWithFirstChunk,
  replaceFailures,
  unavailablePagesAs503,
  withoutRouterVary,
  type Replacement,
} from './src/server/responses';

/** Sent on every answer, Next.js's own (redirects, its 404 and 500 pages) included. */
const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
};

/**
 * The headers every answer carries besides its X-Request-Id, those written straight to the socket for a
 * request Node.js could not parse included: the security headers, and HSTS where the site is served only
 * over HTTPS. Made once, at start.
 */
function fixedAnswerHeaders(hstsMaxAgeSeconds: number): readonly [string, string][] {
  const headers = Object.entries(SECURITY_HEADERS);
  if (hstsMaxAgeSeconds > 0) headers.push(['Strict-Transport-Security', `max-age=${hstsMaxAgeSeconds}`]);
  return headers;
}

/** How long a closing connection lingers, and how much of an unread upload it reads and discards meanwhile
 * (see lingerOnClose). */
const LINGER_MS = 1_000;
/** How long shutdown waits for the database to close (connections borrowed by stuck queries included). */
const CLOSE_TIMEOUT_MS = 5_000;
const LINGER_BYTES = 1024 * 1024;

/**
 * A connection closed while the client is still sending (an upload refused before it was read) must not be
 * closed at once: with unread data, the kernel resets it, and a reset can discard the very answer that
 * explains the refusal before the client reads it. So, as nginx's "lingering close" does, the server sends
 * its answer and FIN, then reads and discards for a moment before it closes: LINGER_MS, or until the client
 * stops. Past LINGER_BYTES it stops reading (the upload is not drained) and the client's writes wait until
 * then, while it reads the answer.
 */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function lingeringClose(this: Socket) {
    this.end();
    // The HTTP parser stops here: what is read now is discarded, not handed to the request.
    this.removeAllListeners('data');
    let discarded = 0;
    const close = () => this.destroy();
    const timer = setTimeout(close, LINGER_MS);
    this.once('close', () => clearTimeout(timer));
    this.once('end', close);
    this.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > LINGER_BYTES) this.pause();
    });
    this.resume();
  };
}

function configured(): Config {
  try {
    return readConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`[service] configuration error: ${error.message}`);
    process.exit(1);
  }
}

/**
 * A form post (a Server Action call) that Next.js refused in its own format: a request it could not decode
 * (a malformed body, an action id of another build) is the client's fault, so a 4xx problem, never a 500;
 * the cause, if any, is in the log Next.js wrote. Problem answers are kept as they are.
 */
function failedFormPost(requestId: string) {
  return (status: number, contentType: string): Replacement | undefined => {
    if (status < 400 || contentType.startsWith('application/problem+json')) return undefined;
    if (status === 409) {
      // Next.js's answer to an action id this build does not have: a page from an earlier deployment.
      return {
        status,
        detail: 'This form is from an earlier version of the site; reload the page and send it again.',
      };
    }
    if (status === 413) return { status, detail: 'The form is larger than this page accepts.' };
    if (status >= 500)
      console.warn(`[service] a form post failed with ${status}, answered 400 (${requestId})`);
    return {
      status: status >= 500 ? 400 : status,
      detail: 'The form could not be read; reload the page and send it again.',
    };
  };
}

function refuse(response: ServerResponse, { status, detail, headers }: Refusal): void {
  response.shouldKeepAlive = false;
  if (status === 204) {
    response.writeHead(204, headers).end();
    return;
  }
  const body = problemJson(status, detail);
  response
    .writeHead(status, {
      ...headers,
      'Content-Type': 'application/problem+json',
      'Content-Length': Buffer.byteLength(body),
    })
    .end(body);
}

/**
 * Node's parser refused the request (an unknown method such as TRACK, a malformed line), or its head or body
 * did not arrive in time. A request already handed on is answered through its own response, if nothing has
 * been sent yet.
 */
function answerClientError(
  error: NodeJS.ErrnoException,
  socket: Socket,
  fixedHeaders: readonly [string, string][],
): void {
  const pending = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (pending && !pending.headersSent && error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return refuse(pending, { status: 408, detail: 'The request took too long to arrive.' });
  }
  if (pending && socket.writable && error.code !== 'ERR_HTTP_REQUEST_TIMEOUT') {
    // What follows a request on its connection is not one (a stray byte after a body whose Content-Length
    // counted characters, say). The request in hand may have written already: its answer is sent, and
    // then the connection closes, as nothing more can be read from it.
    if (!pending.headersSent) pending.shouldKeepAlive = false;
    else pending.once('finish', () => socket.destroySoon());
    return;
  }
  if (!socket.writable || pending) {
    socket.destroy();
    return;
  }
  const [status, detail] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'The request took too long to arrive.']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'The request headers are too large.']
        : error.code === 'HPE_INVALID_METHOD'
          ? [400, 'The request method is not one this server knows.']
          : [400, 'The request is not well-formed HTTP.'];
  const body = problemJson(status, detail);
  const head = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    `X-Request-Id: ${randomUUID()}`,
    ...fixedHeaders.map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/** `npm run dev`: Next.js's development server (compiled on request, hot reload) behind this same server. */
const development = process.argv.includes('--dev');

async function serve(config: Config): Promise<void> {
  const { server: settings } = config;
  const app = next({ dev: development, dir: process.cwd(), port: settings.port, hostname: settings.host });
  // Runs instrumentation.ts: the database is opened and migrated before the first request.
  await app.prepare();
  const handle = app.getRequestHandler();
  const fixedHeaders = fixedAnswerHeaders(settings.hstsMaxAgeSeconds);
  const policyOptions = { development, upgradeInsecureRequests: settings.hstsMaxAgeSeconds > 0 };

  const server = http.createServer(
    {
      // Node requires the head's timeout to be within the whole request's.
      headersTimeout: Math.min(settings.headersTimeoutMs, settings.requestTimeoutMs),
      requestTimeout: settings.requestTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      // How often Node checks for requests past their timeouts (default 30 s, which would double them).
      connectionsCheckingInterval: 1000,
      // Checked by prepareRequest, so that the 400 is a problem answer like any other.
      requireHostHeader: false,
    },
    (request: IncomingMessage, response: ServerResponse) => {
      const prepared = prepareRequest(request, config.trustedProxies, development);
      logWhenDone(request, response, prepared.requestId, settings.logFormat);
      headWithFirstChunk(response);
      response.setHeader('X-Request-Id', prepared.requestId);
      for (const [name, value] of fixedHeaders) response.setHeader(name, value);
      if (request.headers['content-length'] || request.headers['transfer-encoding'])
        lingerOnClose(request.socket);
      if (prepared.refusal) return refuse(response, prepared.refusal);
      if (lifecycle().draining) response.shouldKeepAlive = false;
      if (prepared.api) {
        // No request context: only a page's rendering reports through it, and each context in force makes
        // every promise of the request cost more on Node 20 (AsyncLocalStorage copies it onto each one).
        withoutRouterVary(response);
        void handle(request, response);
        return;
      }
      if (prepared.page) {
        response.setHeader('Content-Security-Policy', pageSecurityPolicy(request.headers, policyOptions));
      }
      const context: RequestContext = { databaseUnavailable: false };
      if (request.method === 'POST') replaceFailures(response, failedFormPost(prepared.requestId));
      else unavailablePagesAs503(response, context);
      void requestContexts().run(context, () => handle(request, response));
    },
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
    answerClientError(error, socket, fixedHeaders),
  );
  // An Expect other than 100-continue: refused by prepareRequest (417) with the server's own headers.
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) =>
    server.emit('request', request, response),
  );
  // Next.js adds an 'upgrade' listener at its first request (for its development server's hot reload); with
  // one, a request that asks to upgrade (curl --http2's h2c, a WebSocket) is closed without an answer. This
  // server upgrades nothing, and without the listener Node.js answers such a request as any other; in
  // development, hot reload is the one upgrade there is.
  server.on('newListener', (event) => {
    if (event === 'upgrade' && !development) queueMicrotask(() => server.removeAllListeners('upgrade'));
  });
  server.on('connect', (_request: IncomingMessage, socket: Socket) =>
    answerClientError(
      Object.assign(new Error('CONNECT'), { code: 'HPE_INVALID_METHOD' }),
      socket,
      fixedHeaders,
    ),
  );

  // A port taken or a HOST that does not resolve: said once, and exit 1 (without a listener for it, the error
  // would reach Next.js's uncaught-exception handler, which logs it and lets the process live on, serving
  // nothing). A supervisor's workers exit the same way, and it gives up after a few.
  await new Promise<void>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      console.error(
        `[service] could not listen on ${settings.host ?? 'all interfaces'}, port ${settings.port}: ${error.message}`,
      );
      process.exit(1);
    });
    server.listen(settings.port, settings.host, resolve);
  });
  console.info(
    `[service] listening on http://${settings.host ?? 'localhost'}:${settings.port} (pid ${process.pid})`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.info(`[service] ${signal}: finishing requests in flight, then stopping (pid ${process.pid})`);
    lifecycle().draining = true;
    // Health now answers 503; a load balancer that checks it stops sending before the port closes.
    await new Promise((resolve) => setTimeout(resolve, settings.shutdownDelayMs));
    // No new connections. Not http.Server's close(), which also closes the idle keep-alive connections at
    // once: a client may be sending a request on one in that very moment, and it would get a reset, with no
    // way to tell whether its write was done. Instead every answer from now on says `Connection: close`,
    // and a connection that stays idle closes at its keep-alive timeout, as clients were told
    // (`Keep-Alive: timeout=…`) and allow for.
    // In development the hot-reload socket stays open as long as a browser tab does: no grace there.
    const graceMs = development ? 0 : settings.shutdownGraceMs;
    let grace: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      net.Server.prototype.close.call(server, () => resolve());
      grace = setTimeout(() => {
        if (!development)
          console.warn('[service] shutdown grace period over: closing the connections still open');
        server.closeAllConnections();
        // An upgraded socket (the development server's hot reload) is no longer the HTTP server's to close,
        // and would hold close() open for as long as the browser keeps it.
        resolve();
      }, graceMs).unref();
    });
    clearTimeout(grace);
    // A database that stopped answering must not keep the process from ending: each closer gets a bound.
    for (const close of lifecycle().closers) {
      await within(CLOSE_TIMEOUT_MS, close()).catch((error: unknown) =>
        console.error('[service] closing did not finish; exiting without waiting for it:', error),
      );
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** One worker per core; a worker that dies is replaced; SIGTERM drains them all, then the primary exits 0. */
function supervise(config: Config): void {
  const { workers } = config.server;
  let stopping = false;
  const fork = () => cluster.fork();
  const recentExits: number[] = [];
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    console.error(`[service] worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    // A worker that cannot stay up (a missing build, a port taken) would be restarted forever.
    recentExits.push(Date.now());
    if (recentExits.filter((time) => time > Date.now() - 10_000).length > 2 * workers) {
      console.error('[service] workers keep exiting at start; giving up');
      process.exit(1);
    }
    setTimeout(fork, 200);
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  console.info(`[service] starting ${workers} worker processes (WEB_CONCURRENCY)`);
  for (let index = 0; index < workers; index += 1) fork();
}

/**
 * Where the log goes may go away (a supervisor or log shipper that stops reading, a closed terminal): then every
 * write to stdout or stderr fails with EPIPE. Unhandled, that error is an uncaughtException, which Next.js logs
 * to the same broken pipe, which fails again: the process spins at 100% CPU and stops answering. Nobody is left
 * to read the log; the server goes on serving.
 */
function keepServingWithoutLog(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
}

keepServingWithoutLog();
const config = configured();
if (cluster.isPrimary && config.server.workers > 1 && !development) {
  supervise(config);
} else {
  serve(config).catch((error: unknown) => {
    console.error('[service] could not start:', error);
    process.exit(1);
  });
}
