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
  const detail =
    '$' in result.errors && Object.keys(result.errors).length === 1
      ? 'The request body must be a JSON object.'
      : 'The request body does not match the schema; see `errors`.';
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
