// `npm run db:seed [count]`: demo posts in the configured database (DATABASE_URL, SQLite by default), written
// through the same service the API uses. Idempotent: a post that is already there is not written again, so
// running it twice leaves the same posts. Default: the 12 posts of the corpus below.
import { ConfigError, readConfig } from '../src/config';
import { closeDatabase, database, startDatabase } from '../src/db/database';
import { createPost, listPosts } from '../src/posts/service';

const AUTHOR = 'Demo';

const CORPUS: [title: string, body: string][] = [
  [
    'Welcome to the posts service',
    'These posts come from `npm run db:seed`. Create your own with POST /api/posts.',
  ],
  ['Keyset paging', 'GET /api/posts returns 20 posts by default; follow the Link header for older ones.'],
  [
    'Conditional writes',
    'Send the ETag you read back in If-Match: a post that changed meanwhile answers 412.',
  ],
  [
    'Idempotency keys',
    'Retry a POST with the same Idempotency-Key and you get the first answer, not a second post.',
  ],
  ['Search', 'Try /api/posts?q=paging: case-insensitive "contains" in the title or the body.'],
  ['Crème brûlée', 'Accents, ß and emoji 🍮 are searched as people write them: q=CRÈME finds this post.'],
  ['The contact form', 'The /contact page posts through a Server Action and works without JavaScript.'],
  ['Problem details', 'Every error is application/problem+json, with errors per field on a 422.'],
  ['Two databases', 'SQLite by default, PostgreSQL when DATABASE_URL says postgres://.'],
  ['The API description', 'GET /api/openapi.json is generated from the route files; /docs shows it.'],
  ['Health', 'GET /api/health answers 503 while the database is away, and 200 again when it is back.'],
  ['Graceful shutdown', 'npm start drains requests in flight on SIGTERM before it exits.'],
];

async function main() {
  const count = Number(process.argv[2] ?? CORPUS.length);
  if (!Number.isInteger(count) || count < 1 || count > 10_000) {
    throw new Error('usage: npm run db:seed [count], with a count from 1 to 10000');
  }
  const settings = readConfig();
  await startDatabase(settings.database);
  database(); // throws if the database could not be opened
  const existing = new Set<string>();
  for (let beforeId: number | undefined, more = true; more;) {
    const page = await listPosts({ limit: 100, author: AUTHOR, beforeId });
    for (const { post } of page.items) existing.add(post.title);
    beforeId = page.items.at(-1)?.post.id;
    more = page.hasMore;
  }
  let created = 0;
  for (let index = 0; index < count; index += 1) {
    const [title, body] = CORPUS[index % CORPUS.length] as [string, string];
    const numbered = index < CORPUS.length ? title : `${title} (${Math.floor(index / CORPUS.length) + 1})`;
    if (existing.has(numbered)) continue;
    await createPost({ title: numbered, body, author: AUTHOR });
    created += 1;
  }
  console.info(
    `[seed] ${created} demo posts written, ${count - created} already there (${settings.database.kind})`,
  );
  await closeDatabase();
}

main().catch((error: unknown) => {
  console.error(
    `[seed] ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
