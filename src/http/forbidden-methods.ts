import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { guardApiRequest } from './method-guard';
import { problemResponse } from './problem';

/**
 * Methods the Fetch standard forbids, so that a web Request for one cannot even be constructed. (TRACK, also
 * forbidden, never gets this far: Node's HTTP parser answers it with 400.)
 */
const FORBIDDEN_METHODS = new Set(['TRACE']);

/**
 * Next.js turns every request that proxy.ts sees into a web Request, which throws for TRACE, and then
 * answers 500. This answers them first, at the Node server, with what the method guard says (405 + Allow, or
 * 404 for an unknown /api path); pages are GET, HEAD or POST (Server Actions).
 */
export function answerForbiddenMethodsFirst(server: typeof Server): void {
  const emit = server.prototype.emit;
  server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') {
      const [request, response] = args as [IncomingMessage, ServerResponse];
      if (request.method && FORBIDDEN_METHODS.has(request.method)) {
        void send(response, forbiddenMethodResponse(request.method, request.url ?? '/'));
        return true;
      }
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  };
}

function forbiddenMethodResponse(method: string, url: string): Response {
  const pathname = new URL(url, 'http://localhost').pathname;
  if (pathname.startsWith('/api/')) return guardApiRequest(method, pathname) as Response;
  return problemResponse(405, `${method} is not allowed here.`, { headers: { Allow: 'GET, HEAD, POST' } });
}

async function send(response: ServerResponse, answer: Response): Promise<void> {
  // next.config.mjs's headers are not applied this early; nosniff matters most on an error body.
  response.writeHead(answer.status, {
    ...Object.fromEntries(answer.headers),
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(Buffer.from(await answer.arrayBuffer()));
}
