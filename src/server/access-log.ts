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
  response.once('close', () => {
    const entry = {
      method: request.headers['x-unroutable-method'] ?? request.method,
      path: (request.url ?? '').split('?')[0],
      status: response.writableFinished ? response.statusCode : 499,
      ms: Math.round((performance.now() - started) * 10) / 10,
      requestId,
    };
    // Straight to stdout: Next.js wraps console's methods with work of its own (dimming, exit checks) that
    // cost ~8% of a small request's CPU when every request logs through them.
    process.stdout.write(
      format === 'json'
        ? `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`
        : `${entry.method} ${entry.path} ${entry.status} ${entry.ms} ms ${entry.requestId}\n`,
    );
  });
}
