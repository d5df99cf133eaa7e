'use client';

import { useActionState, type ReactNode } from 'react';
import { useFormStatus } from 'react-dom';
import { sendContactMessage, type ContactField, type ContactFormState } from './actions';

const initialState: ContactFormState = { status: 'idle' };

interface ControlProps {
  id: string;
  name: ContactField;
  defaultValue: string;
  required: true;
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
  state,
  children,
}: {
  name: ContactField;
  label: string;
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
        'aria-invalid': errors !== undefined,
        'aria-describedby': errorId,
      })}
      <p id={errorId} className="field-error" aria-live="polite">
        {errors?.map((message) => `${label} ${message}.`).join(' ')}
      </p>
    </div>
  );
}

/** useFormStatus reads the enclosing form, so the button is its own component inside it. */
function SubmitButton() {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending}>
      {pending ? 'Sending…' : 'Send message'}
    </button>
  );
}

export function ContactForm({ honeypotName }: { honeypotName: string }) {
  const [state, formAction] = useActionState(sendContactMessage, initialState);
  return (
    // noValidate: the server's messages, next to each field, are the ones people see with or without
    // JavaScript; `required` and `type="email"` still tell assistive technology and phone keyboards.
    <form action={formAction} className="stack" noValidate>
      <Field name="name" label="Name" state={state}>
        {(control) => <input {...control} type="text" autoComplete="name" />}
      </Field>
      <Field name="email" label="Email" state={state}>
        {(control) => <input {...control} type="email" autoComplete="email" spellCheck={false} />}
      </Field>
      <Field name="message" label="Message" state={state}>
        {(control) => <textarea {...control} rows={6} />}
      </Field>
      {/* The honeypot: off-screen, out of the tab order and hidden from screen readers; bots fill it in. */}
      <div className="honeypot" aria-hidden="true">
        <label htmlFor="contact-honeypot">Leave this field empty</label>
        <input id="contact-honeypot" name={honeypotName} type="text" tabIndex={-1} autoComplete="off" />
      </div>
      <SubmitButton />
      <div role="status">
        {state.message && (
          <p className={`notice ${state.status === 'success' ? 'ok' : 'error'}`}>{state.message}</p>
        )}
      </div>
    </form>
  );
}
