import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * One line per request, written when its connection is done with it: method, path (without the query, which
 * may carry search terms), status, duration and request id. A request whose client went away before the
 * answer was sent is one line too, with status 499 (nginx's "client closed request").
 */
export function logWhenDone(
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
  format: 'text' | 'json',
): void {
  const started = performance.now();
  // 'close' comes once: `on` spares the wrapper `once` would make for each request.
  response.on('close', () => {
    const method = request.headers['x-unroutable-method'] ?? request.method;
    const url = request.url ?? '';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const status = response.writableFinished ? response.statusCode : 499;
    const ms = Math.round((performance.now() - started) * 10) / 10;
    logLine(
      format === 'json'
        ? `${JSON.stringify({ time: new Date().toISOString(), method, path, status, ms, requestId })}\n`
        : `${method} ${path} ${status} ${ms} ms ${requestId}\n`,
    );
  });
}

/** Lines that wait for the end of this turn of the event loop, or for this many to gather. */
let waiting: string[] = [];
const MAX_WAITING_LINES = 256;

/**
 * Straight to stdout, not through console (Next.js wraps its methods with work of its own, dimming and exit
 * checks). The lines of the requests that end in one turn of the event loop go out in one write: under load
 * a write per request cost about 4% of a small request's CPU. At exit what waits is written at once, so a
 * line is only lost with the process killed outright, and then only that turn's.
 */
function logLine(line: string): void {
  if (waiting.length === 0) setImmediate(writeWaiting);
  waiting.push(line);
  if (waiting.length >= MAX_WAITING_LINES) writeWaiting();
}

function writeWaiting(): void {
  if (waiting.length === 0) return;
  const text = waiting.join('');
  waiting = [];
  process.stdout.write(text);
}

process.on('exit', writeWaiting);
