import * as v from 'valibot';
import { Id, PathId, Timestamp, notBlank, pagingEntries, text } from '../validation';

const Title = text(1, 200, { trim: true, singleLine: true, description: 'The headline.' });
const Body = v.pipe(
  text(1, 20_000, { description: 'The text of the post; line breaks are kept.' }),
  notBlank,
);
/** `null` and an absent author mean the same: no author. */
const Author = v.nullable(
  text(1, 100, {
    trim: true,
    singleLine: true,
    description: 'Who wrote it; `null` for nobody in particular.',
  }),
);

/**
 * The largest post body read: the largest valid post, every character written as an escaped surrogate pair
 * (12 bytes: 20,300 characters are 243,600 bytes), fits; test/openapi.test.ts checks it against the schemas.
 */
export const POST_BODY_LIMIT_BYTES = 256 * 1024;

/** Fields that the server sets; a body that tries to write them is rejected by name. */
export const POST_SERVER_OWNED_FIELDS = ['id', 'createdAt', 'updatedAt'] as const;

/** `POST /api/posts` and `PUT /api/posts/{id}`: the whole writable post. */
export const PostInput = v.pipe(
  v.object({ title: Title, body: Body, author: v.optional(Author, null) }),
  v.title('PostInput'),
);

/** `PATCH /api/posts/{id}`: any non-empty subset of the writable fields. */
export const PostPatch = v.pipe(
  v.object({
    title: v.optional(Title),
    body: v.optional(Body),
    author: v.optional(Author),
  }),
  v.check(
    (patch) => Object.values(patch).some((value) => value !== undefined),
    'must change at least one field',
  ),
  v.metadata({ minProperties: 1 }),
  v.title('PostPatch'),
);

/** `GET /api/posts` query. Unknown parameters are ignored (cache busters, tracking tags). */
export const PostListQuery = v.object({
  ...pagingEntries,
  author: v.optional(
    text(1, 100, { trim: true, singleLine: true, description: 'Only posts by exactly this author.' }),
  ),
  q: v.optional(
    text(1, 200, {
      trim: true,
      singleLine: true,
      description:
        'Only posts with this text in the title or body, ignoring case. A search stops after a few ' +
        'milliseconds of work: its page may then hold fewer posts than `limit`, even none, with a `Link` ' +
        'to go on from where it stopped. Follow `Link` until there is none.',
    }),
  ),
});

export type PostInput = v.InferOutput<typeof PostInput>;
export type PostPatch = v.InferOutput<typeof PostPatch>;
export type PostListQuery = v.InferOutput<typeof PostListQuery>;

/** A post as the API returns it: this schema is what the API description promises, field for field. */
export const Post = v.pipe(
  v.strictObject({
    id: Id,
    title: Title,
    body: Body,
    author: Author,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  }),
  v.title('Post'),
);
export type Post = v.InferOutput<typeof Post>;

/** `Idempotency-Key` on `POST /api/posts`: visible ASCII, so it can be stored and compared as given. */
export const IdempotencyKeyHeader = v.pipe(
  v.string(),
  v.description('Makes a retried create safe: the same key with the same body returns the first response.'),
  v.regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 visible ASCII characters'),
);

/** `/api/posts/{id}`. */
export const PostPath = v.object({ id: v.pipe(PathId, v.description('The post id: a positive integer.')) });
