import { clientAddress } from '@/src/http/client';
import { json } from '@/src/http/json';
import { operation, route } from '@/src/http/route';
import {
  CONTACT_HONEYPOT_FIELD,
  ContactFormAccepted,
  ContactSubmission,
  MESSAGE_SERVER_OWNED_FIELDS,
} from '@/src/messages/schema';
import { submitContactMessage } from '@/src/messages/service';

const submit = operation({
  operationId: 'submitContactForm',
  summary: 'Send a contact message',
  description:
    'The same schema, storage and per-client limit as the contact page. Messages are never shown publicly. ' +
    `\`${CONTACT_HONEYPOT_FIELD}\` belongs to the HTML form: API clients leave it out.`,
  tag: 'Contact',
  access: 'same-origin',
  body: ContactSubmission,
  serverOwned: MESSAGE_SERVER_OWNED_FIELDS,
  responses: {
    200: { description: 'The message is stored.', body: ContactFormAccepted },
    429: {
      description: 'Too many messages from this client; try again after the delay given.',
      headers: ['Retry-After'],
    },
  },
  async handle({ request, body }) {
    await submitContactMessage(body, clientAddress(request.headers));
    return json({ success: true, message: 'Form submitted successfully' });
  },
});

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route({ POST: submit });
