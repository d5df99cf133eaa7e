import * as v from 'valibot';
import { Id } from '../validation';
import { badRequest } from './problem';

/**
 * A path id in canonical form (no sign, no leading zeros, no exponent): a positive integer. A schema, so that
 * the API description's `{id}` parameter comes from the same rule that parses it.
 */
export const PathId = v.pipe(v.string(), v.regex(/^[1-9][0-9]{0,15}$/), v.transform(Number), Id);

/** A path id as a positive integer, else undefined. */
export function toId(raw: string): number | undefined {
  const result = v.safeParse(PathId, raw);
  return result.success ? result.output : undefined;
}

/** A path id for the API: a positive integer, else 400. */
export function parseId(raw: string): number {
  const id = toId(raw);
  if (id === undefined) throw badRequest('The id in the path must be a positive integer.');
  return id;
}
