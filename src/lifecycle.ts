/**
 * What the Node.js server (server.ts, outside the Next.js bundle) and the code inside the bundle share about
 * the process: whether it is shutting down, and what must be closed when it has. On globalThis, because the
 * two load their own copies of this module.
 */
interface Lifecycle {
  /** Set when a shutdown begins: health answers 503 so that a load balancer stops sending. */
  draining: boolean;
  /** Run once the last request has been answered (the database, …). */
  closers: (() => Promise<void>)[];
}

const holder = globalThis as typeof globalThis & { __serviceLifecycle?: Lifecycle };

export function lifecycle(): Lifecycle {
  return (holder.__serviceLifecycle ??= { draining: false, closers: [] });
}
