'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { failedFormState, formText, invalidFormState, nextAttempt, type FormState } from '@/src/forms';
import { clientAddress } from '@/src/http/client';
import { CONTACT_HONEYPOT_FIELD, ContactSubmission, type ContactMessageInput } from '@/src/messages/schema';
import { submitContactMessage } from '@/src/messages/service';
import { validate } from '@/src/validation';
import { CONTACT_SENT, CONTACT_SENT_PATH } from './sent';

export type ContactField = keyof ContactMessageInput;
export type ContactFormState = FormState<ContactField>;

const FIELDS: readonly ContactField[] = ['name', 'email', 'message'];

/**
 * The /contact form's action (through useActionState, so it also runs when the browser posts the form
 * without JavaScript): the same schema and the same service as `POST /api/submit-form`. The production
 * server has already answered a cross-origin post with 403, before this runs (src/server/pages.ts).
 */
export async function sendContactMessage(
  previous: ContactFormState,
  formData: FormData,
): Promise<ContactFormState> {
  // A call crafted by hand may pass anything; thrown, it is answered 400 (see failedFormPost in server.ts).
  if (!(formData instanceof FormData)) throw new TypeError('The contact action was called without a form.');
  const attempt = nextAttempt(previous);
  // What was typed goes back into the fields after a failure; the honeypot does not.
  const typed = formText(formData, FIELDS);
  const submission = validate(ContactSubmission, formText(formData, [...FIELDS, CONTACT_HONEYPOT_FIELD]));
  if (!submission.success) return { ...invalidFormState(submission.errors, typed), attempt };
  const requestHeaders = await headers();
  try {
    await submitContactMessage(submission.output, clientAddress(requestHeaders));
  } catch (error) {
    return { ...failedFormState(error, typed), attempt };
  }
  // Posted without JavaScript (a script's call names its action in this header): answered with a redirect,
  // 303, so that reloading the page that says "sent" does not post the message again.
  if (!requestHeaders.has('next-action')) redirect(CONTACT_SENT_PATH);
  return { status: 'success', message: CONTACT_SENT, attempt };
}
