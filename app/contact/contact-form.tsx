'use client';

import { useActionState, useEffect, useRef, type MouseEvent, type ReactNode } from 'react';
import { useFormStatus } from 'react-dom';
import { sendContactMessage, type ContactField, type ContactFormState } from './actions';
import { CONTACT_SENT } from './sent';

const FIELD_ORDER: readonly ContactField[] = ['name', 'email', 'message'];

interface ControlProps {
  id: string;
  name: ContactField;
  defaultValue: string;
  required: true;
  maxLength: number;
  'aria-invalid': boolean;
  'aria-describedby': string;
}

/**
 * A labelled control with its error underneath. The error node is always rendered and `aria-live`, so a
 * screen reader announces a message when it appears, and reads it with the field (aria-describedby).
 */
function Field({
  name,
  label,
  maxCharacters,
  state,
  children,
}: {
  name: ContactField;
  label: string;
  maxCharacters: number;
  state: ContactFormState;
  children: (control: ControlProps) => ReactNode;
}) {
  const id = `contact-${name}`;
  const errorId = `${id}-error`;
  const errors = state.errors?.[name];
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        name,
        // After a failure the server sends back what was typed; React resets a form after its action
        // runs, to these defaults, so the text stays (and after a success, the empty form is the reset).
        defaultValue: state.values?.[name] ?? '',
        required: true,
        // The browser counts UTF-16 units, two for some characters: twice the limit lets every text the
        // server accepts through, and keeps a paste of megabytes from making the post too large to send
        // (a text over the limit still comes back with its message).
        maxLength: 2 * maxCharacters,
        'aria-invalid': errors !== undefined,
        'aria-describedby': errorId,
      })}
      <p id={errorId} className="field-error" aria-live="polite">
        {/* Keyed by the submission: the same message after another try is new text, announced again. */}
        {errors && (
          <span key={state.attempt}>{errors.map((message) => `${label} ${message}.`).join(' ')}</span>
        )}
      </p>
    </div>
  );
}

/**
 * useFormStatus reads the enclosing form, so the button is its own component inside it. While the action
 * runs it refuses further clicks (and Enter in a field) rather than being disabled: a disabled button loses
 * the keyboard focus, which would drop a keyboard user at the top of the page.
 */
function SubmitButton() {
  const { pending } = useFormStatus();
  const refuseWhilePending = (event: MouseEvent<HTMLButtonElement>) => {
    if (pending) event.preventDefault();
  };
  return (
    <button type="submit" aria-disabled={pending} onClick={refuseWhilePending}>
      {pending ? 'Sending…' : 'Send message'}
    </button>
  );
}

export function ContactForm({
  honeypotName,
  maxCharacters,
  sent,
}: {
  honeypotName: string;
  maxCharacters: Record<ContactField, number>;
  /** The page was reached after a message was stored (a form posted without JavaScript). */
  sent: boolean;
}) {
  const [state, formAction] = useActionState(
    sendContactMessage,
    sent ? { status: 'success', message: CONTACT_SENT } : { status: 'idle' },
  );
  const form = useRef<HTMLFormElement>(null);
  // After a refusal, the keyboard focus goes to the first field to correct, which a screen reader reads
  // with its message.
  useEffect(() => {
    const first = FIELD_ORDER.find((name) => state.errors?.[name]);
    if (first) form.current?.querySelector<HTMLElement>(`#contact-${first}`)?.focus();
  }, [state]);
  const field = (name: ContactField, label: string, control: (props: ControlProps) => ReactNode) => (
    <Field name={name} label={label} maxCharacters={maxCharacters[name]} state={state}>
      {control}
    </Field>
  );
  return (
    // noValidate: the server's messages, next to each field, are the ones people see with or without
    // JavaScript; `required` and `type="email"` still tell assistive technology and phone keyboards.
    <form ref={form} action={formAction} className="stack" noValidate>
      {field('name', 'Name', (control) => (
        <input {...control} type="text" autoComplete="name" />
      ))}
      {field('email', 'Email', (control) => (
        <input {...control} type="email" autoComplete="email" spellCheck={false} />
      ))}
      {field('message', 'Message', (control) => (
        <textarea {...control} rows={6} />
      ))}
      {/* The honeypot: off-screen, out of the tab order and hidden from screen readers; bots fill it in. */}
      <div className="honeypot" aria-hidden="true">
        <label htmlFor="contact-honeypot">Leave this field empty</label>
        <input id="contact-honeypot" name={honeypotName} type="text" tabIndex={-1} autoComplete="off" />
      </div>
      <SubmitButton />
      <div role="status">
        {state.message && (
          <p key={state.attempt} className={`notice ${state.status === 'success' ? 'ok' : 'error'}`}>
            {state.message}
          </p>
        )}
      </div>
    </form>
  );
}
