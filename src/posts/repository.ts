import { sql, type Kysely, type Selectable } from 'kysely';
import { isUniqueViolation } from '../db/errors';
import type { Database } from '../db/schema';
import { HttpError, notFound } from '../http/problem';
import type { Post, PostInput, PostPatch } from './schema';

/** A post with the version its ETag is made from. */
export interface StoredPost {
  post: Post;
  version: number;
}

export interface PostListOptions {
  limit: number;
  /** Keyset paging: only posts with a smaller id (older ones). */
  beforeId?: number;
  author?: string;
  q?: string;
}

export interface IdempotencyKey {
  key: string;
  /** A digest of the validated request: the same key with another request is refused. */
  requestHash: string;
}

type PostRow = Selectable<Database['posts']>;

function toStoredPost(row: PostRow): StoredPost {
  return {
    post: {
      id: Number(row.id),
      title: row.title,
      body: row.body,
      author: row.author,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    version: Number(row.version),
  };
}

/** LIKE pattern for "contains", with the user's own % and _ taken literally. */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

const IDEMPOTENCY_KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;

const preconditionFailed = () =>
  new HttpError(412, 'The post has changed since you read it (If-Match); fetch it again and retry.');

/** Reads and writes posts. The only code that knows how posts are stored. */
export class PostsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Newest first, one page plus a look-ahead row to know whether another page exists. */
  async list(options: PostListOptions): Promise<{ posts: StoredPost[]; hasMore: boolean }> {
    let query = this.db
      .selectFrom('posts')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(options.limit + 1);
    if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
    if (options.author !== undefined) query = query.where('author', '=', options.author);
    if (options.q !== undefined) {
      const pattern = containsPattern(options.q);
      query = query.where(
        sql<boolean>`(lower(title) like ${pattern} escape '\\' or lower(body) like ${pattern} escape '\\')`,
      );
    }
    const rows = await query.execute();
    return { posts: rows.slice(0, options.limit).map(toStoredPost), hasMore: rows.length > options.limit };
  }

  async get(id: number): Promise<StoredPost | undefined> {
    const row = await this.db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toStoredPost(row);
  }

  /**
   * Creates a post. With an idempotency key, the post and the key are stored in one transaction, so a retry
   * returns the first post (`replayed`), whatever happened to the first response on its way back.
   */
  async create(
    input: PostInput,
    idempotency?: IdempotencyKey,
  ): Promise<{ stored: StoredPost; replayed: boolean }> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const now = new Date().toISOString();
        if (idempotency) {
          const earlier = await trx
            .selectFrom('idempotency_keys')
            .select(['request_hash', 'response'])
            .where('key', '=', idempotency.key)
            .where('created_at', '>', new Date(Date.now() - IDEMPOTENCY_KEY_LIFETIME_MS).toISOString())
            .executeTakeFirst();
          if (earlier) {
            if (earlier.request_hash !== idempotency.requestHash) {
              throw new HttpError(
                422,
                'This Idempotency-Key was already used with a different request body.',
              );
            }
            return { stored: JSON.parse(earlier.response) as StoredPost, replayed: true };
          }
        }
        const row = await trx
          .insertInto('posts')
          .values({
            title: input.title,
            body: input.body,
            author: input.author,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const stored = toStoredPost(row);
        if (idempotency) {
          await trx
            .deleteFrom('idempotency_keys')
            .where('created_at', '<=', new Date(Date.now() - IDEMPOTENCY_KEY_LIFETIME_MS).toISOString())
            .execute();
          await trx
            .insertInto('idempotency_keys')
            .values({
              key: idempotency.key,
              request_hash: idempotency.requestHash,
              post_id: stored.post.id,
              response: JSON.stringify(stored),
              created_at: now,
            })
            .execute();
        }
        return { stored, replayed: false };
      });
    } catch (error) {
      // Another request with the same key committed first (PostgreSQL runs both at once; this one rolled back).
      if (idempotency && isUniqueViolation(error)) {
        throw new HttpError(409, 'A request with this Idempotency-Key is still in progress; retry shortly.', {
          headers: { 'Retry-After': '1' },
        });
      }
      throw error;
    }
  }

  /**
   * Changes the given fields and bumps the version, in one statement, so concurrent writers cannot interleave.
   * `acceptedVersions` (from If-Match): the write happens only if the current version is one of them.
   */
  async update(id: number, changes: PostPatch, acceptedVersions?: number[]): Promise<StoredPost> {
    return this.db.transaction().execute(async (trx) => {
      if (acceptedVersions === undefined || acceptedVersions.length > 0) {
        let query = trx
          .updateTable('posts')
          .set({
            ...(changes.title !== undefined && { title: changes.title }),
            ...(changes.body !== undefined && { body: changes.body }),
            ...(changes.author !== undefined && { author: changes.author }),
            version: sql<number>`version + 1`,
            updated_at: new Date().toISOString(),
          })
          .where('id', '=', id);
        if (acceptedVersions !== undefined) query = query.where('version', 'in', acceptedVersions);
        const row = await query.returningAll().executeTakeFirst();
        if (row) return toStoredPost(row);
      }
      throw (await this.exists(trx, id)) ? preconditionFailed() : notFound('No post has this id.');
    });
  }

  async delete(id: number, acceptedVersions?: number[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (acceptedVersions === undefined || acceptedVersions.length > 0) {
        let query = trx.deleteFrom('posts').where('id', '=', id);
        if (acceptedVersions !== undefined) query = query.where('version', 'in', acceptedVersions);
        const result = await query.executeTakeFirst();
        if (Number(result.numDeletedRows) > 0) return;
      }
      throw (await this.exists(trx, id)) ? preconditionFailed() : notFound('No post has this id.');
    });
  }

  private async exists(db: Kysely<Database>, id: number): Promise<boolean> {
    return (await db.selectFrom('posts').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }
}
