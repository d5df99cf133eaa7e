import * as v from 'valibot';

type AnySchema = v.GenericSchema | v.GenericSchemaAsync;

/** Messages per field, as the JSON API's 422 `errors` and a form's state carry them; `$`: the input as a whole. */
export type FieldErrors = Record<string, string[]>;

export type Validated<T> = { success: true; output: T } | { success: false; errors: FieldErrors };

/** The keys an object schema (or a pipe that starts with one) declares. */
function declaredKeys(schema: AnySchema): Set<string> {
  if ('entries' in schema) return new Set(Object.keys(schema.entries as object));
  if ('pipe' in schema) return declaredKeys((schema.pipe as AnySchema[])[0] as AnySchema);
  throw new TypeError('validate needs an object schema');
}

/**
 * Checks input (a decoded JSON body, a submitted form) against an object schema, for the route helper and
 * the Server Actions alike. Unknown keys and server-owned keys are named in their own field errors
 * (Valibot's strictObject would only say "never"); every other failure is Valibot's message under the
 * field's path. Returns the typed, transformed output, or the field errors.
 */
export function validate<TSchema extends v.GenericSchema>(
  schema: TSchema,
  input: unknown,
  serverOwned: readonly string[] = [],
): Validated<v.InferOutput<TSchema>> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { success: false, errors: { $: ['Expected a JSON object'] } };
  }
  const known = declaredKeys(schema);
  // No prototype: a client's "__proto__" key must become an entry, not replace the prototype.
  const errors: FieldErrors = Object.create(null) as FieldErrors;
  for (const key of Object.keys(input)) {
    if (known.has(key)) continue;
    if (Object.keys(errors).length >= MAX_FIELD_ERRORS) break;
    errors[bounded(key)] = [
      serverOwned.includes(key) ? 'is set by the server and cannot be written' : 'is not a known field',
    ];
  }
  // One message per field: the first rule a value breaks is the one to fix.
  const result = v.safeParse(schema, input, { abortPipeEarly: true });
  if (!result.success) {
    for (const [key, messages] of Object.entries(fieldErrors(result.issues))) {
      if (Object.keys(errors).length < MAX_FIELD_ERRORS) errors[key] = messages;
    }
  }
  if (!result.success || Object.keys(errors).length > 0) return { success: false, errors };
  return { success: true, output: result.output };
}

/** At most this many fields are reported, and no field name or message longer than this is echoed. */
const MAX_FIELD_ERRORS = 20;
const MAX_ECHO = 100;
const bounded = (text: string) => (text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text);

/** Valibot issues as `{ field: [message] }`, one message per field; form-level issues go under `$`. */
export function fieldErrors(issues: readonly v.BaseIssue<unknown>[]): FieldErrors {
  const errors: FieldErrors = Object.create(null) as FieldErrors;
  for (const issue of issues) {
    const key = issue.path?.length ? bounded(issue.path.map((item) => String(item.key)).join('.')) : '$';
    if (key in errors) continue;
    if (Object.keys(errors).length >= MAX_FIELD_ERRORS) break;
    // An object schema reports a missing key as "Invalid key: Expected "title" but received undefined".
    const missing = issue.type === 'object' && issue.input === undefined && issue.path?.length;
    errors[key] = [missing ? 'is required' : bounded(issue.message)];
  }
  return errors;
}

/**
 * Lengths count characters as JSON Schema's minLength and maxLength do: Unicode code points, so an emoji is
 * one character (it is two UTF-16 units to JavaScript's `length`). A validation of its own type, which the
 * API description (src/openapi/json-schema.ts) writes as minLength and maxLength.
 */
export function codePointLength(min: number, max: number) {
  return {
    ...v.check<string, (issue: v.CheckIssue<string>) => string>(
      (value) => {
        let count = 0;
        for (const _ of value) if (++count > max) return false;
        return count >= min;
      },
      (issue) => {
        const length = [...issue.input].length;
        if (length === 0) return 'must not be empty';
        return length < min ? `must be at least ${min} characters` : `must be at most ${max} characters`;
      },
    ),
    type: 'code_point_length' as const,
    bounds: { min, max },
  };
}

/** A schema or action as far as maxCharacters looks into it. */
interface Piped {
  type: string;
  bounds?: { max: number };
  pipe?: readonly Piped[];
}

/** The most characters a text schema allows (its codePointLength, in its pipe or a pipe within it). */
export function maxCharacters(schema: Piped): number | undefined {
  for (const item of schema.pipe ?? []) {
    if (item.type === 'code_point_length') return item.bounds?.max;
    const inner = item !== schema && item.pipe ? maxCharacters(item) : undefined;
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** Lone UTF-16 surrogates cannot be stored as UTF-8 text by either database. */
const wellFormed = v.check<string, string>(
  (value) => value.isWellFormed(),
  'must be valid Unicode text, without unpaired surrogates',
);

/**
 * White space as JavaScript's `trim()` and `\s` know it, spelled out so that a JSON Schema pattern means the
 * same in every regular-expression engine (Python's `\s`, for one, differs).
 */
const WHITE_SPACE = '\\t\\n\\v\\f\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF';

/**
 * Which characters a text allows, also as a JSON Schema pattern (in explicit ranges rather than `\p{Cc}`,
 * which not every engine knows). PostgreSQL's text type refuses NUL. Single-line text allows no control
 * characters at all, so no CR/LF reaches a header, a log line or an email.
 */
function allowedCharacters(singleLine: boolean) {
  const [allowed, message] = singleLine
    ? ['[^\\u0000-\\u001F\\u007F-\\u009F]', 'must be a single line of text without control characters']
    : ['[^\\u0000]', 'must not contain NUL characters'];
  const rule = new RegExp(`^${allowed}*$`);
  return {
    ...v.check<string, string>((value) => rule.test(value), message),
    type: 'characters' as const,
    pattern: `^${allowed}*$`,
  };
}

/**
 * Text with something besides white space. An empty string is left to the length check, so it gets one
 * message. In the API description, a lookahead added to the field's pattern.
 */
export const notBlank = {
  ...v.check<string, string>((value) => value.length === 0 || value.trim().length > 0, 'must not be blank'),
  type: 'not_blank' as const,
  lookahead: `(?=[\\s\\S]*[^${WHITE_SPACE}])`,
};

/**
 * A string field with a length range in characters. With `trim`, it must not be blank and surrounding white
 * space is removed before it is stored; every check applies to the text as sent, so that the document's
 * maxLength and pattern say exactly what is accepted. The description comes right after the type so that
 * the API description can append what later checks require.
 */
export function text(
  min: number,
  max: number,
  options: { trim?: boolean; singleLine?: boolean; description?: string } = {},
) {
  const length = codePointLength(min, max);
  const characters = allowedCharacters(options.singleLine ?? false);
  const string =
    options.description === undefined
      ? v.string('must be a string')
      : v.pipe(v.string('must be a string'), v.description(options.description));
  return options.trim
    ? v.pipe(string, length, wellFormed, characters, notBlank, v.trim())
    : v.pipe(string, length, wellFormed, characters);
}

/**
 * An email address: the same rule for the service and for the document's `pattern`, in ASCII classes that
 * mean the same in every engine. The local part is RFC 5322's dot-atom (`o'brien`, `a+tag`, as a browser's
 * email field takes them); the domain is host-name labels with a dot (`0@com` is refused), internationalised
 * ones in their ASCII form included (`xn--mller-kva.de`, the top-level `xn--p1ai`). Browsers remove
 * surrounding white space from an email field themselves; the API takes the address exactly.
 */
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const EMAIL_PATTERN = `^${ATOM}(?:\\.${ATOM})*@(?:${LABEL}\\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$`;
export const Email = v.pipe(
  v.string('must be a string'),
  codePointLength(3, 254),
  v.regex(new RegExp(EMAIL_PATTERN), 'must be a valid email address'),
);

/** A positive integer id, assigned by the server. */
export const Id = v.pipe(v.number(), v.safeInteger(), v.minValue(1));

/**
 * An id in a path, in canonical form (no sign, no leading zeros, no exponent): a positive integer, however
 * large (one past any id there can be is a post that does not exist, not a malformed request). Pages use it
 * too, so that `/posts/015` is the same 404 as any other id that is not one.
 */
export const PathId = v.pipe(
  v.string(),
  v.regex(/^[1-9][0-9]*$/, 'must be a positive integer'),
  // Past 10^308 a number is Infinity; the largest finite one names no post just as well.
  v.transform((digits) => Math.min(Number(digits), Number.MAX_VALUE)),
  v.number(),
  v.integer('must be a positive integer'),
  v.minValue(1),
);

/** An ISO 8601 UTC timestamp, as both databases store it. */
export const Timestamp = v.pipe(v.string(), v.isoTimestamp());

export const PAGE_MAX_LIMIT = 100;
export const PAGE_DEFAULT_LIMIT = 20;
const limitMessage = `must be a whole number from 1 to ${PAGE_MAX_LIMIT}`;

/** A keyset cursor (src/http/paging.ts): an id in up to eleven base-36 digits (a safe integer needs 11). */
export const CURSOR_PATTERN = /^[0-9a-z]{1,11}$/;

/** `?limit=` and `?cursor=`, shared by every keyset-paged list. */
export const pagingEntries = {
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[0-9]{1,6}$/, limitMessage),
      v.transform(Number),
      // The type after the transform: the API description shows limit as the integer it stands for.
      v.number(),
      v.description(`How many items to return, 1 to ${PAGE_MAX_LIMIT}.`),
      v.integer(limitMessage),
      v.minValue(1, limitMessage),
      v.maxValue(PAGE_MAX_LIMIT, limitMessage),
    ),
    String(PAGE_DEFAULT_LIMIT),
  ),
  cursor: v.optional(
    v.pipe(
      v.string(),
      v.description('Where the page starts. Opaque: copy it from the previous page\'s `Link: rel="next"`.'),
      v.regex(CURSOR_PATTERN, 'is not one this server issued'),
    ),
  ),
};
