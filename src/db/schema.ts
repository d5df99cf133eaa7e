import { sql, type Generated } from 'kysely';

/** Tables as Kysely sees them. Timestamps are ISO 8601 strings on both databases (see the dialect factories). */
export interface Database {
  posts: {
    id: Generated<number>;
    title: string;
    body: string;
    author: string | null;
    /** Bumped on every change; the post's ETag is built from it. */
    version: Generated<number>;
    created_at: string;
    updated_at: string;
    /** Title and body as search compares them (src/posts/search.ts): written with them, indexed by trigrams. */
    search_title: string;
    search_body: string;
  };
  contact_messages: {
    id: Generated<number>;
    name: string;
    email: string;
    message: string;
    created_at: string;
  };
  idempotency_keys: {
    key: string;
    request_hash: string;
    post_id: number;
    response: string;
    created_at: string;
  };
  /** PostgreSQL: the trigrams that occur in each block of ids (see migration 0005 and src/posts/search.ts). */
  posts_search_blocks: {
    trigram: string;
    block: number;
  };
  /** One row per client (bucket) and fixed window: the requests counted in it so far. */
  rate_limit_hits: {
    bucket: string;
    window_start: string;
    hits: number;
  };
}

export type DatabaseKind = 'sqlite' | 'postgres';

/** A table in raw SQL, which the schema plugin of `?schema=` does not rewrite. */
export const tableIn = (schema: string | undefined, name: string) =>
  sql.table(schema ? `${schema}.${name}` : name);
