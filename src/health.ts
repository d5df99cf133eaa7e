import 'server-only';
import { sql } from 'kysely';
import { configuredDatabaseKind, database } from './db/client';
import { postWritesAreOpen } from './http/auth';
import { json } from './http/handler';
import { problemResponse } from './http/problem';

/** 200 when the database answers a query now, 503 (problem+json) when it does not. */
export async function healthResponse(): Promise<Response> {
  const backend = configuredDatabaseKind();
  const postWrites = postWritesAreOpen() ? 'open' : 'token';
  try {
    const { db } = await database();
    await sql`select 1`.execute(db);
    return json({ status: 'ok', database: backend, postWrites });
  } catch (error) {
    console.error('[health] database check failed:', error instanceof Error ? error.message : error);
    return problemResponse(503, 'The database is not answering.', {
      headers: { 'Retry-After': '5' },
      extra: { database: backend, postWrites },
    });
  }
}
