import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a page's rendering tells the production server about its request, which the server acts on before it
 * sends the status line: that the database was unavailable, so the answer is a 503 (retry soon), not a 200 or
 * a 500. On globalThis, like lifecycle(), because server.ts and the Next.js bundle load their own copies.
 */
export interface RequestContext {
  databaseUnavailable: boolean;
}

const holder = globalThis as typeof globalThis & {
  __serviceRequestContext?: AsyncLocalStorage<RequestContext>;
};

export function requestContexts(): AsyncLocalStorage<RequestContext> {
  return (holder.__serviceRequestContext ??= new AsyncLocalStorage());
}

/** Marks the current request (if the production server is serving it) as having found the database away. */
export function markDatabaseUnavailable(): void {
  const context = requestContexts().getStore();
  if (context) context.databaseUnavailable = true;
}
