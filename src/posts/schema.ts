import * as v from 'valibot';
import { pagingEntries, text } from '../validation';

const Title = text(1, 200, { trim: true, singleLine: true });
const Body = v.pipe(
  text(1, 20_000),
  v.check((value) => value.trim().length > 0, 'must not be blank'),
);
/** `null` and an absent author mean the same: no author. */
const Author = v.nullable(text(1, 100, { trim: true, singleLine: true }));

/** Fields that the server sets; a body that tries to write them is rejected by name. */
export const POST_SERVER_OWNED_FIELDS = ['id', 'createdAt', 'updatedAt'] as const;

/** `POST /api/posts` and `PUT /api/posts/{id}`: the whole writable post. */
export const PostInput = v.object({
  title: Title,
  body: Body,
  author: v.optional(Author, null),
});

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
);

/** `GET /api/posts` query. Unknown parameters are ignored (cache busters, tracking tags). */
export const PostListQuery = v.object({
  ...pagingEntries,
  author: v.optional(text(1, 100, { trim: true, singleLine: true })),
  q: v.optional(text(1, 200, { trim: true, singleLine: true })),
});

export type PostInput = v.InferOutput<typeof PostInput>;
export type PostPatch = v.InferOutput<typeof PostPatch>;
export type PostListQuery = v.InferOutput<typeof PostListQuery>;

/** A post as the API returns it. */
export interface Post {
  id: number;
  title: string;
  body: string;
  author: string | null;
  createdAt: string;
  updatedAt: string;
}
