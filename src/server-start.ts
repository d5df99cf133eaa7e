import { ConfigError, readConfig } from './config';
import { closeDatabase, startDatabase } from './db/database';
import { lifecycle } from './lifecycle';

/** What the Node.js server does once at start (from instrumentation.ts). */
export async function onServerStart(): Promise<void> {
  // `next build` runs this hook too, in an environment that is not the server's: nothing to open there.
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  let settings;
  try {
    settings = readConfig();
  } catch (error) {
    // A server that cannot be configured must not start: Next.js would log this and then answer every
    // request with a 500.
    if (!(error instanceof ConfigError)) throw error;
    console.error(`[service] configuration error: ${error.message}`);
    process.exit(1);
  }
  console.info(`[service] database: ${settings.database.kind}`);
  if (settings.apiToken === undefined) {
    console.warn('[service] API_TOKEN is not set: anyone can create, change and delete posts.');
  }
  // The schema is brought up to date now, not on the first request; a database that is down is retried.
  lifecycle().closers.push(closeDatabase);
  await startDatabase(settings.database);
}
