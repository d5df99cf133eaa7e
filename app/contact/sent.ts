/** What the contact page says once a message is stored. */
export const CONTACT_SENT = 'Thank you! Your message has been sent.';

/**
 * Where a form posted without JavaScript is sent on to once its message is stored: the page, saying so. (Not
 * in actions.ts: a 'use server' module exports only its actions.)
 */
export const SENT_PARAMETER = 'sent';
export const CONTACT_SENT_PATH = `/contact?${SENT_PARAMETER}=1`;
