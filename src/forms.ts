import 'server-only';
import { unavailableError } from './db/errors';
import { HttpError, type FieldErrors } from './http/problem';

/**
 * What a form's Server Action returns and `useActionState` hands back to the page: serialisable, and all
 * the page needs to show the result, whether the browser ran the action with JavaScript or posted the form.
 */
export interface FormState<Field extends string> {
  status: 'idle' | 'success' | 'error';
  /** Messages per field (`$`: the form as a whole), as the JSON API's 422 `errors` has them. */
  errors?: FieldErrors;
  /** What was typed, put back into the fields after a failure so that nothing has to be typed again. */
  values?: Partial<Record<Field, string>>;
  /** One sentence about the whole submission: that it worked, or what stopped it. */
  message?: string;
}

/** The named fields of a submitted form as text; a missing field (or a file in its place) reads as empty. */
export function formText<Field extends string>(
  formData: FormData,
  names: readonly Field[],
): Record<Field, string> {
  const values = {} as Record<Field, string>;
  for (const name of names) {
    const value = formData.get(name);
    values[name] = typeof value === 'string' ? value : '';
  }
  return values;
}

/**
 * A submission that threw, as form state that keeps `values`: a 422's field errors, the client-facing
 * detail of any other refusal (a 429's "try again in N seconds"), or, for a fault of ours, an apology, with
 * the cause in the server log only (as a route's 5xx would be).
 */
export function failedFormState<Field extends string>(
  error: unknown,
  values: Partial<Record<Field, string>>,
): FormState<Field> {
  const known = unavailableError(error) ?? error;
  if (known instanceof HttpError && known.status < 500) {
    if (!known.errors) return { status: 'error', values, message: known.message };
    return {
      status: 'error',
      values,
      // Copied into a plain object: React sends only plain objects to the browser, and FieldErrors are built
      // without a prototype (see parseBody).
      errors: { ...known.errors },
      message: 'Some fields need correcting; see the message next to each.',
    };
  }
  console.error('[form] submission failed:', known instanceof HttpError ? (known.cause ?? known) : known);
  return {
    status: 'error',
    values,
    message: 'Something went wrong on our side and nothing was sent; please try again in a moment.',
  };
}
