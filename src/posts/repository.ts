import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type Selectable,
  type SqlBool,
} from 'kysely';
import { queries, type Queries } from '../db/database';
import type { VersionCondition } from '../http/etag';
import { prepared } from '../db/prepared';
import { keysetPage, type Page, type PageRequest } from '../db/paging';
import type { Database } from '../db/schema';
import type { Post, PostInput, PostPatch } from './schema';
import { searchable, searchPosts } from './search';

/** A post with the version its ETag is made from. */
export interface StoredPost {
  post: Post;
  version: number;
}

export interface PostFilters {
  author?: string;
  q?: string;
}

export interface IdempotencyRecord {
  key: string;
  /** A digest of the validated request: the same key with another request is refused. */
  requestHash: string;
  postId: number;
  /** The post as the first response carried it. */
  response: StoredPost;
}

function toStoredPost(row: Omit<Selectable<Database['posts']>, 'search_title' | 'search_body'>): StoredPost {
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

/** `condition` in SQL: the version one of those accepted and none of those refused (`1 = 1` without any). */
function versionMeets(eb: ExpressionBuilder<Database, 'posts'>, { accepted, refused }: VersionCondition) {
  const terms: Expression<SqlBool>[] = [];
  if (accepted !== undefined) terms.push(eb('version', 'in', accepted));
  if (Array.isArray(refused) && refused.length) terms.push(eb('version', 'not in', refused));
  return eb.and(terms);
}

/** The columns a post is read from (not the folded copies that search uses). */
const POST_COLUMNS = ['id', 'title', 'body', 'author', 'version', 'created_at', 'updated_at'] as const;

/** The hot reads and the insert, compiled once (see prepared). */
const postById = prepared((db, values: { id: number }) =>
  db.selectFrom('posts').select(POST_COLUMNS).where('id', '=', values.id),
);

const pageOfPosts = prepared((db, values: { rows: number; beforeId?: number; author?: string }) => {
  let query = db.selectFrom('posts').select(POST_COLUMNS).orderBy('id', 'desc').limit(values.rows);
  if (values.beforeId !== undefined) query = query.where('id', '<', values.beforeId);
  if (values.author !== undefined) query = query.where('author', '=', values.author);
  return query;
});

const insertPost = prepared((db, values: Insertable<Database['posts']>) =>
  db.insertInto('posts').values(values).returning(POST_COLUMNS),
);

/**
 * The queries on posts and their idempotency keys: the only code that knows how posts are stored.
 */
export function postsRepository(on: () => Queries) {
  const db = () => on().db;
  const read = () => on().read;
  return {
    /** Newest first; with `q`, a search bounded in time (see src/posts/search.ts). */
    async list(page: PageRequest & PostFilters): Promise<Page<StoredPost>> {
      if (page.q !== undefined) {
        const found = await searchPosts(on(), { ...page, q: page.q });
        const stored = found.ids.length
          ? (await read()(db().selectFrom('posts').select(POST_COLUMNS).where('id', 'in', found.ids))).map(
              toStoredPost,
            )
          : [];
        stored.sort((a, b) => b.post.id - a.post.id);
        return { items: stored, hasMore: found.nextBefore !== undefined, nextBefore: found.nextBefore };
      }
      return keysetPage(page.limit, async (rows) =>
        (await read()(pageOfPosts(on(), { rows, beforeId: page.beforeId, author: page.author }))).map(
          toStoredPost,
        ),
      );
    },

    async get(id: number): Promise<StoredPost | undefined> {
      const [row] = await read()(postById(on(), { id }));
      return row && toStoredPost(row);
    },

    async exists(id: number): Promise<boolean> {
      return (
        (await db().selectFrom('posts').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
      );
    },

    async insert(input: PostInput, now: Date): Promise<StoredPost> {
      const at = now.toISOString();
      const [row] = await insertPost(on(), {
        title: input.title,
        body: input.body,
        author: input.author,
        created_at: at,
        updated_at: at,
        search_title: searchable(input.title),
        search_body: searchable(input.body),
      }).execute();
      if (!row) throw new Error('The insert returned no post.');
      return toStoredPost(row);
    },

    /**
     * Changes the given fields and bumps the version in one statement, so concurrent writers cannot
     * interleave; only if the current version meets `condition` (a `*` in it is the caller's to rule out).
     * Undefined when no post was changed.
     */
    async update(
      id: number,
      changes: PostPatch,
      condition: VersionCondition,
      now: Date,
    ): Promise<StoredPost | undefined> {
      const row = await db()
        .updateTable('posts')
        .set({
          ...(changes.title !== undefined && {
            title: changes.title,
            search_title: searchable(changes.title),
          }),
          ...(changes.body !== undefined && { body: changes.body, search_body: searchable(changes.body) }),
          ...(changes.author !== undefined && { author: changes.author }),
          version: sql<number>`version + 1`,
          updated_at: now.toISOString(),
        })
        .where('id', '=', id)
        .where((eb) => versionMeets(eb, condition))
        .returning(POST_COLUMNS)
        .executeTakeFirst();
      return row && toStoredPost(row);
    },

    /** Whether a post was deleted (only one whose version meets `condition`, as for update). */
    async delete(id: number, condition: VersionCondition): Promise<boolean> {
      const query = db()
        .deleteFrom('posts')
        .where('id', '=', id)
        .where((eb) => versionMeets(eb, condition));
      return Number((await query.executeTakeFirst()).numDeletedRows) > 0;
    },

    async findIdempotencyKey(key: string, notBefore: Date): Promise<IdempotencyRecord | undefined> {
      const [row] = await read()(
        db()
          .selectFrom('idempotency_keys')
          .selectAll()
          .where('key', '=', key)
          .where('created_at', '>', notBefore.toISOString()),
      );
      return (
        row && {
          key: row.key,
          requestHash: row.request_hash,
          postId: Number(row.post_id),
          response: JSON.parse(row.response) as StoredPost,
        }
      );
    },

    /** Records a key and forgets the ones that expired (the table stays as small as a day's keys). */
    async saveIdempotencyKey(record: IdempotencyRecord, now: Date, expiredBefore: Date): Promise<void> {
      await db()
        .deleteFrom('idempotency_keys')
        .where('created_at', '<=', expiredBefore.toISOString())
        .execute();
      await db()
        .insertInto('idempotency_keys')
        .values({
          key: record.key,
          request_hash: record.requestHash,
          post_id: record.postId,
          response: JSON.stringify(record.response),
          created_at: now.toISOString(),
        })
        .execute();
    },
  };
}

export type PostsRepository = ReturnType<typeof postsRepository>;

/** The posts of the process's database. */
export const posts = postsRepository(queries);
