import 'server-only';
import { sql } from 'kysely';
import * as v from 'valibot';
import { config } from '../config';
import { lifecycle } from '../lifecycle';
import { database, reason } from '../db/database';
import { postWritesAreOpen } from './access';
import { json } from './json';
import { ProblemDetails, problemResponse } from './problem';
import { within } from '../within';

/** What the health check reports either way (the schemas are what the API description promises). */
const healthFacts = {
  database: v.pipe(v.picklist(['sqlite', 'postgres']), v.description('The configured database.')),
  postWrites: v.pipe(
    v.picklist(['open', 'token']),
    v.description('Whether post writes need the bearer token (`token`) or are open to anyone (`open`).'),
  ),
};
export const HealthStatus = v.pipe(
  v.strictObject({ status: v.literal('ok'), ...healthFacts }),
  v.title('HealthStatus'),
);
export const HealthProblem = v.pipe(
  v.looseObject({ ...ProblemDetails.entries, ...healthFacts }),
  v.title('HealthProblem'),
);

/** How long the database has to answer the health check's query: a load balancer must not wait on it. */
const HEALTH_CHECK_TIMEOUT_MS = 2_000;

/** 200 when the database answers a query now (within 2 s), 503 (problem+json) when it does not. */
export async function healthResponse(): Promise<Response> {
  const backend = config().database.kind;
  const postWrites = postWritesAreOpen() ? 'open' : 'token';
  if (lifecycle().draining) {
    return problemResponse(503, 'The server is shutting down; send requests to another instance.', {
      headers: { 'Retry-After': '5' },
      extra: { database: backend, postWrites },
    });
  }
  try {
    await within(HEALTH_CHECK_TIMEOUT_MS, sql`select 1`.execute(database()));
    return json({ status: 'ok', database: backend, postWrites } satisfies v.InferOutput<typeof HealthStatus>);
  } catch (error) {
    console.error(`[health] the database check failed: ${reason(error)}`);
    return problemResponse(503, 'The database is not answering.', {
      headers: { 'Retry-After': '5' },
      extra: { database: backend, postWrites },
    });
  }
}
