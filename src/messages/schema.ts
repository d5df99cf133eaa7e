import * as v from 'valibot';
import { Email, Id, Timestamp, notBlank, pagingEntries, text } from '../validation';

/** The contact form, shared by `POST /api/submit-form` and the /contact Server Action. */
export const ContactMessageInput = v.object({
  name: text(1, 100, { trim: true, singleLine: true }),
  email: Email,
  message: v.pipe(text(1, 5_000), notBlank),
});

/**
 * The honeypot: a field that people never see (the form hides it from sight and from screen readers) and
 * that form-filling bots do fill in. A submission with it filled is answered like a success and stored nowhere.
 */
export const CONTACT_HONEYPOT_FIELD = 'website';

/**
 * What both doors accept: the message plus the honeypot. The JSON API accepts the honeypot too (optional,
 * it must be empty for the message to be stored) rather than calling it an unknown field, so that a client
 * that posts the form's own fields as JSON is treated exactly as the form is.
 */
export const ContactSubmission = v.pipe(
  v.object({
    ...ContactMessageInput.entries,
    [CONTACT_HONEYPOT_FIELD]: v.optional(v.string('must be a string')),
  }),
  v.title('ContactSubmission'),
);

/** `GET /api/messages` query. */
export const MessageListQuery = v.object(pagingEntries);

export const MESSAGE_SERVER_OWNED_FIELDS = ['id', 'createdAt'] as const;

export type ContactMessageInput = v.InferOutput<typeof ContactMessageInput>;
export type ContactSubmission = v.InferOutput<typeof ContactSubmission>;

/** A stored message, as the operator's view returns it (and as the API description promises it). */
export const ContactMessage = v.pipe(
  v.strictObject({ id: Id, ...ContactMessageInput.entries, createdAt: Timestamp }),
  v.title('ContactMessage'),
);
export type ContactMessage = v.InferOutput<typeof ContactMessage>;

/** What `POST /api/submit-form` answers once the message is stored. */
export const ContactFormAccepted = v.pipe(
  v.strictObject({ success: v.literal(true), message: v.string() }),
  v.title('ContactFormAccepted'),
);
