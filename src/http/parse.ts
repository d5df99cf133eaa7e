import * as v from 'valibot';
import { fieldErrors, validate } from '../validation';
import { HttpError } from './problem';

/** A decoded JSON body, checked against its schema: the output, or a 422 naming each field. */
export function parseBody<TSchema extends v.GenericSchema>(
  schema: TSchema,
  input: unknown,
  serverOwned: readonly string[] = [],
): v.InferOutput<TSchema> {
  const result = validate(schema, input, serverOwned);
  if (result.success) return result.output;
  const whole = Object.keys(result.errors).length === 1 ? result.errors.$ : undefined;
  const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
  // An error of the body as a whole is the detail itself: not an object, or an object that asks for nothing.
  const detail = !whole
    ? 'The request body does not match the schema; see `errors`.'
    : isObject
      ? `The request body ${whole.join('; ')}.`
      : 'The request body must be a JSON object.';
  throw new HttpError(422, detail, { errors: result.errors });
}

const FIELD_LABELS = {
  path: (name: string) => `The ${name} in the path`,
  query: (name: string) => `The query parameter ${name}`,
  header: (name: string) => `The ${name} header`,
};

/**
 * String fields from the request line or headers (path parameters, search parameters, headers), as a plain
 * object, checked against their schema: the output, or a 400 naming each field and where it was.
 */
export function parseFields<TSchema extends v.GenericSchema>(
  schema: TSchema,
  input: Record<string, unknown>,
  where: keyof typeof FIELD_LABELS,
): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const errors = fieldErrors(result.issues);
  const detail = Object.entries(errors)
    .map(([name, messages]) => `${FIELD_LABELS[where](name)} ${messages.join('; ')}.`)
    .join(' ');
  throw new HttpError(400, detail, { errors });
}
