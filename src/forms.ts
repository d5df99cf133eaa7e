import 'server-only';
import { outcomeOf } from './db/errors';
import type { FieldErrors } from './validation';

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
  /**
   * Which submission of this page's form this answers (1, 2, …): the page shows each answer anew, so that a
   * screen reader announces it even when it says what the one before said.
   */
  attempt?: number;
}

/** The number of the submission after the one `previous` answered (its value comes from the browser). */
export function nextAttempt(previous: { attempt?: unknown } | undefined): number {
  const last = previous?.attempt;
  return typeof last === 'number' && Number.isSafeInteger(last) && last > 0 ? last + 1 : 1;
}

/**
 * The named fields of a submitted form as text; a missing field (or a file in its place) reads as empty. A
 * browser sends each line break of a textarea as CRLF (HTML's form submission does so, with or without
 * JavaScript); it becomes the `\n` that was typed, so that it counts as one character and is stored as the
 * JSON API would store the same text.
 */
export function formText<Field extends string>(
  formData: FormData,
  names: readonly Field[],
): Record<Field, string> {
  const values = {} as Record<Field, string>;
  for (const name of names) {
    const value = formData.get(name);
    values[name] = typeof value === 'string' ? value.replaceAll('\r\n', '\n') : '';
  }
  return values;
}

/**
 * The most of each typed value sent back: twice the longest field's limit, so that text a little too long
 * comes back whole to be shortened, and a flood of megabytes does not come back at all.
 */
export const ECHOED_VALUE_LIMIT = 10_000;

function echoed<Field extends string>(
  values: Partial<Record<Field, string>>,
): Partial<Record<Field, string>> {
  const bounded: Partial<Record<Field, string>> = {};
  for (const [name, value] of Object.entries(values) as [Field, string | undefined][]) {
    // Cut by code points, so that a character is never split in half.
    bounded[name] =
      value &&
      Array.from(value.slice(0, 2 * ECHOED_VALUE_LIMIT))
        .slice(0, ECHOED_VALUE_LIMIT)
        .join('');
  }
  return bounded;
}

/** A submission the schema refused: each field's messages beside the field, and what was typed kept. */
export function invalidFormState<Field extends string>(
  errors: FieldErrors,
  values: Partial<Record<Field, string>>,
): FormState<Field> {
  // Copied into a plain object: React sends only plain objects to the browser, and FieldErrors are built
  // without a prototype (see validate).
  return {
    status: 'error',
    values: echoed(values),
    errors: { ...errors },
    message: 'Some fields need correcting; see the message next to each.',
  };
}

/**
 * A submission the domain refused, as form state that keeps `values`: the outcome's own words (a rate
 * limit's "try again in N seconds", a database that is away for a moment), or, for a fault of ours, an
 * apology, with the cause in the server log only (as a route's 500 would be).
 */
export function failedFormState<Field extends string>(
  error: unknown,
  values: Partial<Record<Field, string>>,
): FormState<Field> {
  const outcome = outcomeOf(error);
  if (outcome) {
    if (outcome.outcome === 'unavailable')
      console.error('[form] the database is unavailable:', outcome.cause ?? '');
    return { status: 'error', values: echoed(values), message: outcome.message };
  }
  console.error('[form] submission failed:', error);
  return {
    status: 'error',
    values: echoed(values),
    message: 'Something went wrong on our side and nothing was sent; please try again in a moment.',
  };
}
