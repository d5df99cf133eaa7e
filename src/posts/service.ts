import { createHash } from 'node:crypto';
import { inTransaction } from '../db/database';
import { conditionCannotHold, type VersionCondition } from '../http/etag';
import { isUniqueViolation } from '../db/errors';
import type { PageRequest } from '../db/paging';
import { DomainError } from '../errors';
import { posts, postsRepository, type PostFilters, type StoredPost } from './repository';
import type { PostInput, PostPatch } from './schema';

/** How long a create's Idempotency-Key is remembered: long enough for any retry a client makes. */
export const IDEMPOTENCY_KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;

const notFound = () => new DomainError('not_found', 'No post has this id.');

export const listPosts = (page: PageRequest & PostFilters) => posts.list(page);

/**
 * Whether a post can have this id: none is ever given one past 2^53, where numbers no longer tell ids apart
 * (a path may name any positive integer).
 */
const mayExist = (id: number) => Number.isSafeInteger(id);

/** The post, or undefined (for a page, whose 404 is its own). */
export const findPost = async (id: number) => (mayExist(id) ? posts.get(id) : undefined);

export async function readPost(id: number): Promise<StoredPost> {
  const stored = await findPost(id);
  if (!stored) throw notFound();
  return stored;
}

/** A stable digest of a validated input: the same fields with the same values, in any order, hash alike. */
function digest(input: object): string {
  const canonical = JSON.stringify(input, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Creates a post. With an idempotency key the post and the key are stored in one transaction, so a retry
 * gets the first response (`replayed`), whatever happened to it on its way back: the post as it was
 * created, even if it has changed since (its ETag then no longer matches, and If-Match says so). A key
 * reused with another input is refused; one whose post has since been deleted is `gone`, so that no client
 * is sent to a Location that no longer exists.
 */
export async function createPost(
  input: PostInput,
  idempotencyKey?: string,
  now = new Date(),
): Promise<{ stored: StoredPost; replayed: boolean }> {
  if (idempotencyKey === undefined) return { stored: await posts.insert(input, now), replayed: false };
  const requestHash = digest(input);
  const expiredBefore = new Date(now.getTime() - IDEMPOTENCY_KEY_LIFETIME_MS);
  try {
    return await inTransaction(async (trx) => {
      const repository = postsRepository(() => trx);
      const earlier = await repository.findIdempotencyKey(idempotencyKey, expiredBefore);
      if (earlier) {
        if (earlier.requestHash !== requestHash) {
          throw new DomainError(
            'invalid',
            'This Idempotency-Key was already used with a different request body.',
          );
        }
        if (!(await repository.exists(earlier.postId))) {
          throw new DomainError('gone', 'The post created with this Idempotency-Key has since been deleted.');
        }
        return { stored: earlier.response, replayed: true };
      }
      const stored = await repository.insert(input, now);
      await repository.saveIdempotencyKey(
        { key: idempotencyKey, requestHash, postId: stored.post.id, response: stored },
        now,
        expiredBefore,
      );
      return { stored, replayed: false };
    });
  } catch (error) {
    // Another request with the same key committed first (PostgreSQL runs both at once; this one rolled back).
    if (isUniqueViolation(error)) {
      throw new DomainError(
        'conflict',
        'A request with this Idempotency-Key is still in progress; retry shortly.',
        1,
      );
    }
    throw error;
  }
}

/**
 * Changes a post (all of it, or the fields given) if its version meets `condition` (If-Match, If-None-Match;
 * any version when empty). A post that exists at another version is `precondition_failed`, and nothing
 * changes; the update is one statement, so no transaction is needed for either answer to be true.
 */
export async function changePost(
  id: number,
  changes: PostPatch,
  condition: VersionCondition = {},
  now = new Date(),
): Promise<StoredPost> {
  if (!mayExist(id)) throw notFound();
  const changed = conditionCannotHold(condition)
    ? undefined
    : await posts.update(id, changes, condition, now);
  if (changed) return changed;
  throw await whyNotChanged(id);
}

export async function deletePost(id: number, condition: VersionCondition = {}): Promise<void> {
  if (!mayExist(id)) throw notFound();
  const deleted = !conditionCannotHold(condition) && (await posts.delete(id, condition));
  if (!deleted) throw await whyNotChanged(id);
}

async function whyNotChanged(id: number): Promise<DomainError> {
  if (!(await posts.exists(id))) return notFound();
  return new DomainError(
    'precondition_failed',
    'The post is not at the version the request requires (If-Match, If-None-Match); fetch it again and retry.',
  );
}
