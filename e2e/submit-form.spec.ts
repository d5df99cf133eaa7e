import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { expectProblem } from './support/problem';

test('a valid message → 200 with the seed body, and it is stored', async ({ request }) => {
  const name = `Sender ${randomUUID()}`;
  const response = await request.post('/api/submit-form', {
    data: { name, email: 'sender@example.com', message: 'Hello there' },
  });
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toBe('application/json');
  expect(await response.json()).toEqual({ success: true, message: 'Form submitted successfully' });

  const stored = await request.get('/api/messages?limit=100');
  const messages = (await stored.json()) as { name: string; email: string; message: string }[];
  expect(messages.find((message) => message.name === name)).toMatchObject({
    email: 'sender@example.com',
    message: 'Hello there',
  });
});

test('invalid fields → 422 with an error per field', async ({ request }) => {
  const problem = await expectProblem(
    await request.post('/api/submit-form', {
      data: { name: '', email: 'not-an-email', message: 'x'.repeat(5001) },
    }),
    422,
  );
  expect(Object.keys(problem.errors ?? {}).sort()).toEqual(['email', 'message', 'name']);
  const missing = await expectProblem(await request.post('/api/submit-form', { data: {} }), 422);
  expect(Object.keys(missing.errors ?? {}).sort()).toEqual(['email', 'message', 'name']);
});

test('CR/LF in name or email is refused (header injection)', async ({ request }) => {
  for (const data of [
    { name: 'Eve\r\nBcc: victim@example.com', email: 'eve@example.com', message: 'hi' },
    { name: 'Eve', email: 'eve@example.com\nBcc: victim@example.com', message: 'hi' },
  ]) {
    await expectProblem(await request.post('/api/submit-form', { data }), 422);
  }
});

test('edges: 100-character name, 254-character email and 5,000-character message are accepted', async ({
  request,
}) => {
  const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
  expect(email).toHaveLength(254);
  const response = await request.post('/api/submit-form', {
    data: { name: 'n'.repeat(100), email, message: 'm'.repeat(5000) },
  });
  expect(response.status(), await response.text()).toBe(200);
  const tooLong = await request.post('/api/submit-form', {
    data: { name: 'n'.repeat(101), email: `x${email}`, message: 'm' },
  });
  const problem = await expectProblem(tooLong, 422);
  expect(Object.keys(problem.errors ?? {}).sort()).toEqual(['email', 'name']);
});
