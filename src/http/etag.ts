import * as v from 'valibot';
import { HttpError } from './problem';

/**
 * Strong entity tags of the form "<id>.<version>": the version column changes on every write, so two
 * writes in the same millisecond still get different tags (timestamps would not).
 */
export function etagFor(id: number, version: number): string {
  return `"${id}.${version}"`;
}

export const IfMatch = v.pipe(
  v.string(),
  v.description(
    'Write only if the post is still at one of these entity tags (from an ETag); otherwise 412 and nothing changes.',
  ),
);
export const IfNoneMatch = v.pipe(
  v.string(),
  v.description('The entity tag (ETag) of the copy the client has: 304 without a body while it is current.'),
);
/** If-Match on a read: RFC 9110 has a failed If-Match refuse every method, reads included. */
export const IfMatchOnRead = v.pipe(
  v.string(),
  v.description('Answer only if the post is at one of these entity tags; otherwise 412.'),
);
/** If-None-Match on a write: a tag it names (or `*`, any post) refuses the write. */
export const IfNoneMatchOnWrite = v.pipe(
  v.string(),
  v.description(
    'Write only if the post is at none of these entity tags (`*`: only if there is no post, so never); ' +
      'otherwise 412 and nothing changes.',
  ),
);

/** Parses If-Match / If-None-Match: `*`, or the list of tags (weak ones keep their W/ prefix). */
export function parseEntityTags(header: string | undefined): '*' | string[] | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return '*';
  return header.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

/** If-None-Match uses the weak comparison: W/"x" matches "x". */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  const tags = parseEntityTags(header);
  if (tags === undefined) return false;
  if (tags === '*') return true;
  return tags.some((tag) => tag.replace(/^W\//, '') === etag);
}

/**
 * What a request's preconditions (RFC 9110 §13.1.1–2) ask of post `id`'s version: one of `accepted`
 * (If-Match; undefined when absent or `*`, which any existing post meets) and none of `refused`
 * (If-None-Match; `*`: no post may exist, which for a post that exists never holds).
 */
export interface VersionCondition {
  accepted?: number[];
  refused?: number[] | '*';
}

export function versionCondition(
  headers: { 'If-Match'?: string; 'If-None-Match'?: string },
  id: number,
): VersionCondition {
  return {
    accepted: versionsAcceptedByIfMatch(headers['If-Match'], id),
    refused: versionsRefusedByIfNoneMatch(headers['If-None-Match'], id),
  };
}

/** Whether no version of an existing post can meet the condition (a write then only learns why not). */
export const conditionCannotHold = ({ accepted, refused }: VersionCondition) =>
  accepted?.length === 0 || refused === '*';

/** The largest version the database's integer column holds; a tag naming a larger one matches nothing. */
const MAX_VERSION = 2 ** 31 - 1;

/**
 * The versions of post `id` that an If-Match header accepts, for a conditional write: undefined when there is
 * no condition (or `*`, which any existing post meets). If-Match uses the strong comparison, so weak tags
 * never match; an empty list means nothing can match and the write must fail with 412.
 */
export function versionsAcceptedByIfMatch(header: string | undefined, id: number): number[] | undefined {
  const tags = parseEntityTags(header);
  if (tags === undefined || tags === '*') return undefined;
  return versionsNamed(tags, id, 'If-Match');
}

/**
 * The versions of post `id` an If-None-Match header refuses: `*` (any), or those its tags name, weak ones
 * included (If-None-Match uses the weak comparison); undefined when there is no such header.
 */
export function versionsRefusedByIfNoneMatch(
  header: string | undefined,
  id: number,
): number[] | '*' | undefined {
  const tags = parseEntityTags(header);
  if (tags === undefined || tags === '*') return tags;
  return versionsNamed(
    tags.map((tag) => tag.replace(/^W\//, '')),
    id,
    'If-None-Match',
  );
}

/**
 * The versions of post `id` that strong tags name, wherever they are in the list (tags of other posts are
 * no concern of this one). More than MAX_IF_MATCH_TAGS of them is a 400: ignoring some could make a write
 * go ahead that a tag past the cut forbids.
 */
function versionsNamed(tags: string[], id: number, header: string): number[] {
  const versions = new Set<number>();
  for (const tag of tags) {
    const match = /^"(\d{1,16})\.(\d{1,10})"$/.exec(tag);
    const version = Number(match?.[2]);
    if (match && Number(match[1]) === id && version <= MAX_VERSION) versions.add(version);
  }
  if (versions.size > MAX_IF_MATCH_TAGS) {
    throw new HttpError(
      400,
      `The ${header} header names more than ${MAX_IF_MATCH_TAGS} versions of this post; send at most ${MAX_IF_MATCH_TAGS}.`,
    );
  }
  return [...versions];
}

/**
 * A list may name at most this many versions of the post. A client has no use for more than one or two; the
 * cap keeps the number of distinct SQL texts (`version in (?, ?, …)`, `version not in (…)`) small, which the
 * SQLite statement cache needs.
 */
export const MAX_IF_MATCH_TAGS = 16;
