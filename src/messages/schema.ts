import * as v from 'valibot';
import { pagingEntries, text } from '../validation';

/** The contact form, shared by `POST /api/submit-form` and the /contact Server Action. */
export const ContactMessageInput = v.object({
  name: text(1, 100, { trim: true, singleLine: true }),
  email: v.pipe(text(3, 254, { trim: true, singleLine: true }), v.email('must be a valid email address')),
  message: v.pipe(
    text(1, 5_000),
    v.check((value) => value.trim().length > 0, 'must not be blank'),
  ),
});

/** `GET /api/messages` query. */
export const MessageListQuery = v.object(pagingEntries);

export const MESSAGE_SERVER_OWNED_FIELDS = ['id', 'createdAt'] as const;

export type ContactMessageInput = v.InferOutput<typeof ContactMessageInput>;

/** A stored message, as the operator's view returns it. */
export interface ContactMessage {
  id: number;
  name: string;
  email: string;
  message: string;
  createdAt: string;
}
