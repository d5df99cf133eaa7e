import path from 'node:path';
import type { DatabaseConfig } from '../../src/config';
import { openDatabase } from '../../src/db/open';
// openDatabase loads its driver module with import(), so that `next build` never does. Under Playwright on
// Node 20 an import() of a TypeScript module that is not loaded yet fails ("Cannot use import statement
// outside a module"), while one that is already loaded is reused: load both drivers' modules up front.
import '../../src/db/postgres';
import '../../src/db/sqlite';
import { MessagesRepository } from '../../src/messages/repository';
import type { ContactMessage } from '../../src/messages/schema';
import { E2E_PORT } from './env';

/** The database the suite's server (scripts/e2e-server.mjs) runs on, described the same way it does. */
function suiteDatabase(): DatabaseConfig {
  const url = process.env.E2E_DATABASE_URL;
  if (url?.startsWith('postgres')) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    return { kind: 'postgres', url: parsed.toString(), poolMax: 1, schema };
  }
  return { kind: 'sqlite', file: path.resolve(`.data/e2e-${E2E_PORT}/app.db`) };
}

/**
 * The stored contact message with this name, read straight from the server's database through the
 * repository: what a page said is checked against what was really written, without a public route.
 */
export async function findStoredMessage(name: string): Promise<ContactMessage | undefined> {
  const { db } = await openDatabase(suiteDatabase());
  try {
    const messages = new MessagesRepository(db);
    let beforeId: number | undefined;
    for (;;) {
      const page = await messages.list({ limit: 100, beforeId });
      const found = page.messages.find((message) => message.name === name);
      if (found || !page.hasMore) return found;
      beforeId = page.messages.at(-1)?.id;
    }
  } finally {
    await db.destroy();
  }
}
