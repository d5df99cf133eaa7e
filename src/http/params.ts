import { badRequest } from './problem';

/** A path id: a positive integer in canonical form (no sign, no leading zeros, no exponent), else 400. */
export function parseId(raw: string): number {
  if (/^[1-9][0-9]{0,15}$/.test(raw)) {
    const id = Number(raw);
    if (Number.isSafeInteger(id)) return id;
  }
  throw badRequest('The id in the path must be a positive integer.');
}
