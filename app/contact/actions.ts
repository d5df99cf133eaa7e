'use server';

import { headers } from 'next/headers';
import { failedFormState, formText, type FormState } from '@/src/forms';
import { clientAddress } from '@/src/http/client';
import { CONTACT_HONEYPOT_FIELD, ContactSubmission, type ContactMessageInput } from '@/src/messages/schema';
import { parseBody } from '@/src/validation';
import { submitContactMessage } from '@/src/messages/service';

export type ContactField = keyof ContactMessageInput;
export type ContactFormState = FormState<ContactField>;

const FIELDS: readonly ContactField[] = ['name', 'email', 'message'];

/**
 * The /contact form's action (through useActionState, so it also runs when the browser posts the form
 * without JavaScript). The same service as `POST /api/submit-form` validates, rate-limits and stores;
 * proxy.ts has already answered a cross-origin post with 403, before this runs.
 */
export async function sendContactMessage(
  _previous: ContactFormState,
  formData: FormData,
): Promise<ContactFormState> {
  try {
    const submission = parseBody(ContactSubmission, formText(formData, [...FIELDS, CONTACT_HONEYPOT_FIELD]));
    await submitContactMessage(submission, clientAddress(await headers()));
  } catch (error) {
    // What was typed goes back into the fields; the honeypot does not.
    return failedFormState(error, formText(formData, FIELDS));
  }
  return { status: 'success', message: 'Thank you! Your message has been sent.' };
}
