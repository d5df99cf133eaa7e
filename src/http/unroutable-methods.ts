import type { IncomingMessage, Server } from 'node:http';
import { ROUTE_METHODS, UNROUTABLE_METHOD_HEADER } from './route';

/**
 * The methods Next.js routes. Any other it answers itself: TRACE (which the Fetch standard forbids in a web
 * Request) with a 500, WebDAV's and unknown ones with an empty 400.
 */
const ROUTABLE_METHODS = new Set(ROUTE_METHODS as readonly string[]);

/**
 * Passes any other request on as OPTIONS, with a header naming its real method, so that the route (or, for a
 * page, proxy.ts) answers 405 with its own `Allow`. Until the production server does this at the socket,
 * `next start` needs it done here.
 */
export function routeUnroutableMethods(server: typeof Server): void {
  const emit = server.prototype.emit;
  server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    const request = args[0] as IncomingMessage | undefined;
    if (event === 'request' && request?.method && !ROUTABLE_METHODS.has(request.method)) {
      request.headers[UNROUTABLE_METHOD_HEADER] = request.method;
      request.method = 'OPTIONS';
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  };
}
