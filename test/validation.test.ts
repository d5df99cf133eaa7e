import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ECHOED_VALUE_LIMIT, failedFormState, formText, invalidFormState, nextAttempt } from '../src/forms';
import { ContactMessageInput, ContactSubmission } from '../src/messages/schema';
import { PostInput } from '../src/posts/schema';
import { maxCharacters, validate } from '../src/validation';

const post = (fields: Record<string, unknown>) => validate(PostInput, { title: 'T', body: 'B', ...fields });
/** The field errors of a failed validation, as a plain object. */
const errorsOf = (result: ReturnType<typeof validate>) => (result.success ? undefined : { ...result.errors });

describe('validation', () => {
  test('lengths count characters (code points): 200 emoji make a valid title, 201 do not', () => {
    assert.equal(post({ title: '😀'.repeat(150) }).success, true);
    assert.equal(post({ title: '😀'.repeat(200) }).success, true);
    const tooLong = post({ title: '😀'.repeat(201) });
    assert.deepEqual(errorsOf(tooLong), {
      title: ['must be at most 200 characters'],
    });
    assert.equal(post({ body: '👨‍👩‍👧'.repeat(4000) }).success, true); // 5 code points each: 20,000
    assert.equal(post({ body: '👨‍👩‍👧'.repeat(4000) + 'x' }).success, false);
  });

  test('one message per field: the first rule a value breaks', () => {
    const result = validate(ContactSubmission, { name: '', email: '', message: 'Hi' });
    assert.deepEqual(errorsOf(result), {
      name: ['must not be empty'],
      email: ['must not be empty'],
    });
    assert.deepEqual(errorsOf(validate(ContactSubmission, { name: 'N', email: 'a@', message: 'Hi' })), {
      email: ['must be at least 3 characters'],
    });
    const invalid = validate(ContactSubmission, { name: 'N', email: '0@com', message: 'Hi' });
    assert.deepEqual(errorsOf(invalid), {
      email: ['must be a valid email address'],
    });
  });

  test('email addresses: those in use pass (an apostrophe, a +tag, punycode domains), malformed ones do not', () => {
    const emailOk = (email: string) =>
      validate(ContactSubmission, { name: 'N', email, message: 'Hi' }).success;
    for (const email of [
      'ada@example.com',
      "o'brien@example.com",
      'a.b+tag@mail.example.co.uk',
      'info@xn--mller-kva.de',
      'user@example.xn--p1ai',
    ]) {
      assert.equal(emailOk(email), true, email);
    }
    for (const email of [
      '0@com',
      'a..b@x.com',
      '.a@x.com',
      'a@-x.com',
      'a@x.c',
      'a b@x.com',
      'ü@x.com',
      'a@x.123',
    ]) {
      assert.equal(emailOk(email), false, email);
    }
  });

  test('errors are bounded: at most 20 fields, no name or message echoed past 100 characters', () => {
    const unknown = Object.fromEntries(
      Array.from({ length: 10_000 }, (_, index) => [`${index}${'k'.repeat(500)}`, 1]),
    );
    const result = validate(PostInput, { title: 'T', body: 'B', ...unknown });
    assert.equal(result.success, false);
    const errors = result.success ? {} : result.errors;
    assert.equal(Object.keys(errors).length, 20);
    for (const [name, messages] of Object.entries(errors)) {
      assert.ok(name.length <= 101, name);
      assert.equal(messages.length, 1);
    }
    assert.ok(JSON.stringify(errors).length < 4_000);
  });
});

describe('form state', () => {
  test("a form field's CRLF line breaks become the \\n that was typed; a missing field or a file is empty", () => {
    const form = new FormData();
    form.set('message', 'one\r\ntwo\r\n\r\nthree\n');
    form.set('upload', new Blob(['x']));
    assert.deepEqual(formText(form, ['message', 'upload', 'absent']), {
      message: 'one\ntwo\n\nthree\n',
      upload: '',
      absent: '',
    });
  });

  test('each answer numbers its submission, whatever the browser sends back as the previous one', () => {
    assert.equal(nextAttempt(undefined), 1);
    assert.equal(nextAttempt({ attempt: 4 }), 5);
    for (const forged of ['4', -1, 1.5, Number.MAX_SAFE_INTEGER + 1, null]) {
      assert.equal(nextAttempt({ attempt: forged }), 1, String(forged));
    }
  });

  test("a field's limit for the form comes from the schema the action validates with", () => {
    const { name, email, message } = ContactMessageInput.entries;
    assert.deepEqual([name, email, message].map(maxCharacters), [100, 254, 5_000]);
  });

  test('what was typed comes back, but a flood does not: each value at most 10,000 characters, whole ones', () => {
    const typed = { name: 'Ada', message: '😀'.repeat(150_000) };
    const result = validate(ContactSubmission, { ...typed, email: 'ada@example.com' });
    assert.equal(result.success, false);
    const state = invalidFormState(result.success ? {} : result.errors, typed);
    assert.equal(state.values?.name, 'Ada');
    assert.equal([...(state.values?.message ?? '')].length, ECHOED_VALUE_LIMIT);
    assert.ok(state.values?.message?.isWellFormed(), 'no emoji is cut in half');
    assert.equal(failedFormState(new Error('boom'), typed).values?.message?.length, 2 * ECHOED_VALUE_LIMIT);
  });
});
