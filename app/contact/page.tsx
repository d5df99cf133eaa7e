import type { Metadata } from 'next';
import { CONTACT_HONEYPOT_FIELD } from '@/src/messages/schema';
import { ContactForm } from './contact-form';

export const metadata: Metadata = {
  title: 'Contact',
  description: 'Send us a message.',
};

export default function ContactPage() {
  return (
    <>
      <h1>Contact</h1>
      <p className="muted">Send us a message and we will answer by email. All fields are required.</p>
      {/* The field name comes from the schema module, which stays on the server. */}
      <ContactForm honeypotName={CONTACT_HONEYPOT_FIELD} />
    </>
  );
}
