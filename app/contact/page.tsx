import type { Metadata } from 'next';
import { CONTACT_HONEYPOT_FIELD, ContactMessageInput } from '@/src/messages/schema';
import { maxCharacters } from '@/src/validation';
import { ContactForm } from './contact-form';
import { SENT_PARAMETER } from './sent';

export const metadata: Metadata = {
  title: 'Contact',
  description: 'Send us a message.',
};

/** Each field's limit, from the schema the action validates with. */
const FIELD_LIMITS = Object.fromEntries(
  Object.entries(ContactMessageInput.entries).map(([name, schema]) => [name, maxCharacters(schema) ?? 0]),
) as Record<keyof typeof ContactMessageInput.entries, number>;

export default async function ContactPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  // Where a form posted without JavaScript lands once its message is stored.
  const sent = (await searchParams)[SENT_PARAMETER] === '1';
  return (
    <>
      <h1>Contact</h1>
      <p className="muted">Send us a message and we will answer by email. All fields are required.</p>
      {/* The field name comes from the schema module, which stays on the server. */}
      <ContactForm honeypotName={CONTACT_HONEYPOT_FIELD} maxCharacters={FIELD_LIMITS} sent={sent} />
    </>
  );
}
