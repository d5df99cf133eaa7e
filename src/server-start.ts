import { Server } from 'node:http';
import { ConfigError, readConfig } from './config';
import { routeUnroutableMethods } from './http/unroutable-methods';

/** What the Node.js server does once at start (from instrumentation.ts). */
export function onServerStart(): void {
  let settings;
  try {
    settings = readConfig();
  } catch (error) {
    // A server that cannot be configured must not start: Next.js would log this and then answer every
    // request with a 500. `next build` runs this hook too, where the build's environment is not the server's.
    if (!(error instanceof ConfigError) || process.env.NEXT_PHASE === 'phase-production-build') throw error;
    console.error(`[service] configuration error: ${error.message}`);
    process.exit(1);
  }
  if (process.env.NEXT_PHASE !== 'phase-production-build') routeUnroutableMethods(Server);
  console.info(`[service] database: ${settings.database.kind}`);
  if (settings.apiToken === undefined) {
    console.warn('[service] API_TOKEN is not set: anyone can create, change and delete posts.');
  }
}
