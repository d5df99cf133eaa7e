import { randomUUID } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { findStoredMessage } from './support/messages';
import { expectProblem } from './support/problem';

const EMAIL = 'visitor@example.com';

function fields(page: Page) {
  return {
    name: page.getByLabel('Name', { exact: true }),
    email: page.getByLabel('Email', { exact: true }),
    message: page.getByLabel('Message', { exact: true }),
    send: page.getByRole('button', { name: 'Send message' }),
    status: page.getByRole('status'),
  };
}

async function fillForm(page: Page, values: { name: string; email: string; message: string }) {
  const form = fields(page);
  await form.name.fill(values.name);
  await form.email.fill(values.email);
  await form.message.fill(values.message);
}

/** A name unique to one test (so its message can be looked for) and one character over the 100 allowed. */
const tooLongName = () => `${randomUUID()} `.padEnd(101, 'n');

test('a valid message: success without a page load, the form is cleared, the message is stored', async ({
  page,
  request,
}) => {
  const name = `Visitor ${randomUUID()}`;
  await page.goto('/contact');
  await expect(page.getByRole('heading', { level: 1, name: 'Contact' })).toBeVisible();
  // Survives only if the submission does not load a new page: proof that the Server Action ran via JS.
  await page.evaluate(() => Object.assign(window, { stillTheSamePage: true }));
  await fillForm(page, { name, email: EMAIL, message: 'Hello from the browser' });
  const form = fields(page);
  await form.send.click();

  await expect(form.status).toHaveText('Thank you! Your message has been sent.');
  await expect(form.name).toHaveValue('');
  await expect(form.email).toHaveValue('');
  await expect(form.message).toHaveValue('');
  expect(await page.evaluate(() => 'stillTheSamePage' in window)).toBe(true);
  expect(await findStoredMessage(request, name)).toMatchObject({
    name,
    email: EMAIL,
    message: 'Hello from the browser',
  });
});

test('the button shows a pending state while the action runs', async ({ page, request }) => {
  const name = `Patient ${randomUUID()}`;
  await page.goto('/contact');
  // Hold the action's request for a moment, so the pending state is there long enough to see.
  await page.route('**/contact', async (route) => {
    if (route.request().method() === 'POST') await new Promise((resolve) => setTimeout(resolve, 1_000));
    await route.continue();
  });
  await fillForm(page, { name, email: EMAIL, message: 'Wait for it' });
  await fields(page).send.click();
  await expect(page.getByRole('button', { name: 'Sending…' })).toBeDisabled();
  await expect(fields(page).status).toHaveText('Thank you! Your message has been sent.');
  await expect(fields(page).send).toBeEnabled();
  expect(await findStoredMessage(request, name)).toBeDefined();
});

test('invalid input: each field says what is wrong, next to it, and keeps what was typed', async ({
  page,
  request,
}, testInfo) => {
  const name = tooLongName();
  const message = 'm'.repeat(5_001);
  await page.goto('/contact');
  await fillForm(page, { name, email: 'not-an-email', message });
  const form = fields(page);
  await form.send.click();

  await expect(form.name).toHaveAccessibleDescription('Name must be at most 100 characters.');
  await expect(form.email).toHaveAccessibleDescription('Email must be a valid email address.');
  await expect(form.message).toHaveAccessibleDescription('Message must be at most 5000 characters.');
  for (const field of [form.name, form.email, form.message]) {
    await expect(field).toHaveAttribute('aria-invalid', 'true');
  }
  await expect(form.status).toHaveText('Some fields need correcting; see the message next to each.');
  await expect(form.name).toHaveValue(name);
  await expect(form.email).toHaveValue('not-an-email');
  await expect(form.message).toHaveValue(message);

  const screenshot = await page.screenshot({ fullPage: true });
  await testInfo.attach('contact-form-with-errors', { body: screenshot, contentType: 'image/png' });

  // Fixing one field clears its error on the next try; the others still say what is wrong.
  await form.email.fill(EMAIL);
  await form.send.click();
  await expect(form.email).toHaveAttribute('aria-invalid', 'false');
  await expect(form.email).toHaveAccessibleDescription('');
  await expect(form.name).toHaveAccessibleDescription('Name must be at most 100 characters.');
  expect(await findStoredMessage(request, name)).toBeUndefined();
});

test('by keyboard: after a refusal the focus is on the first field to correct, and each answer is announced anew', async ({
  page,
  request,
}) => {
  await page.goto('/contact');
  const form = fields(page);
  await form.send.focus();
  await page.keyboard.press('Enter');
  await expect(form.name).toHaveAccessibleDescription('Name must not be empty.');
  await expect(form.name).toBeFocused();
  // The same refusal again: the live regions get new text nodes, which screen readers announce.
  const marked = async () =>
    page.evaluate(() => {
      const nodes = [...document.querySelectorAll('.field-error > *, [role="status"] > *')] as (Element & {
        seen?: boolean;
      })[];
      const fresh = nodes.filter((node) => !node.seen).length;
      for (const node of nodes) node.seen = true;
      return { nodes: nodes.length, fresh };
    });
  expect(await marked()).toEqual({ nodes: 4, fresh: 4 });
  await form.send.focus();
  await page.keyboard.press('Enter');
  await expect(form.name).toBeFocused();
  await expect.poll(marked).toEqual({ nodes: 4, fresh: 4 });

  // Two messages sent one after the other: the second "sent" is announced too, and the focus stays on the
  // button (it is not disabled while sending, which would drop the focus to the page).
  for (const attempt of [1, 2]) {
    const name = `Keyboard ${attempt} ${randomUUID()}`;
    await fillForm(page, { name, email: EMAIL, message: 'By keyboard' });
    await form.send.focus();
    await page.keyboard.press('Enter');
    await expect(form.name).toHaveValue('');
    await expect(form.status).toHaveText('Thank you! Your message has been sent.');
    await expect(form.send).toBeFocused();
    expect(await marked()).toEqual({ nodes: 1, fresh: 1 });
    expect(await findStoredMessage(request, name)).toBeDefined();
  }
});

test('a paste of megabytes is cut by the field, and the server says what is too long', async ({ page }) => {
  await page.goto('/contact');
  const form = fields(page);
  await fillForm(page, { name: 'Paster', email: EMAIL, message: '' });
  await form.message.focus();
  // As a paste does: inserted text, which the field's maxlength bounds.
  await page.evaluate(() => document.execCommand('insertText', false, 'log line\n'.repeat(120_000)));
  expect((await form.message.inputValue()).length).toBeLessThanOrEqual(10_000);
  await form.send.click();
  await expect(form.message).toHaveAccessibleDescription('Message must be at most 5000 characters.');
  await expect(form.name).toHaveValue('Paster');
});

test('an answer the page cannot use shows the error page, and "Try again" brings the form back', async ({
  page,
}) => {
  await page.goto('/contact');
  // What a proxy in front might answer instead of the server: not an action's answer at all.
  await page.route('**/contact', (route) =>
    route.request().method() === 'POST'
      ? route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>Bad gateway</h1>' })
      : route.continue(),
  );
  await fillForm(page, { name: 'Unlucky', email: EMAIL, message: 'Through a broken proxy' });
  await fields(page).send.click();
  await expect(page.getByRole('heading', { name: 'This page is not available right now' })).toBeVisible();
  await page.unroute('**/contact');
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(fields(page).send).toBeVisible();
  await expect(page.getByRole('heading', { name: 'This page is not available right now' })).toHaveCount(0);
});

test('the honeypot: out of reach for people; filled in, it looks like success and stores nothing', async ({
  page,
  request,
}) => {
  const name = `Bot ${randomUUID()}`;
  await page.goto('/contact');
  // Only the three real fields exist for assistive technology, and Tab skips the trap.
  await expect(page.getByRole('textbox')).toHaveCount(3);
  await fields(page).message.focus();
  await page.keyboard.press('Tab');
  await expect(fields(page).send).toBeFocused();

  await fillForm(page, { name, email: EMAIL, message: 'Buy now' });
  await page.locator('input[name="website"]').fill('https://spam.example');
  await fields(page).send.click();
  await expect(fields(page).status).toHaveText('Thank you! Your message has been sent.');
  expect(await findStoredMessage(request, name)).toBeUndefined();
});

test('the JSON API takes the honeypot too: empty stores, filled answers 200 and stores nothing', async ({
  request,
}) => {
  const person = `Person ${randomUUID()}`;
  const bot = `Bot ${randomUUID()}`;
  for (const [name, website] of [
    [person, ''],
    [bot, 'https://spam.example'],
  ]) {
    const response = await request.post('/api/submit-form', {
      data: { name, email: EMAIL, message: 'Hi', website },
    });
    expect(response.status()).toBe(200);
    expect(await response.json()).toEqual({ success: true, message: 'Form submitted successfully' });
  }
  expect(await findStoredMessage(request, person)).toBeDefined();
  expect(await findStoredMessage(request, bot)).toBeUndefined();
});

test('POST /api/submit-form refuses another site’s Origin with 403; its own Origin and none are fine', async ({
  request,
  baseURL,
}) => {
  const refusedName = `Cross-site ${randomUUID()}`;
  const problem = await expectProblem(
    await request.post('/api/submit-form', {
      headers: { Origin: 'https://evil.example' },
      data: { name: refusedName, email: EMAIL, message: 'Forged' },
    }),
    403,
  );
  expect(problem.detail).toMatch(/cross-origin/i);
  expect(await findStoredMessage(request, refusedName)).toBeUndefined();

  const own = await request.post('/api/submit-form', {
    headers: { Origin: new URL(baseURL as string).origin },
    data: { name: `Same-site ${randomUUID()}`, email: EMAIL, message: 'Fine' },
  });
  expect(own.status()).toBe(200);
});

test.describe('with JavaScript disabled', () => {
  test.use({ javaScriptEnabled: false });

  test('a valid message: the form posts, the server renders the success, the message is stored', async ({
    page,
    request,
  }) => {
    const name = `No-JS ${randomUUID()}`;
    await page.goto('/contact');
    await fillForm(page, { name, email: EMAIL, message: 'Sent without JavaScript' });
    const [response] = await Promise.all([
      page.waitForResponse((candidate) => candidate.request().method() === 'POST'),
      fields(page).send.click(),
    ]);
    // Post, redirect, get: the page that says "sent" is an address of its own, not the answer to the post.
    expect(response.status()).toBe(303);
    await expect(page).toHaveURL(/\/contact\?sent=1$/);
    await expect(fields(page).status).toHaveText('Thank you! Your message has been sent.');
    await expect(fields(page).name).toHaveValue('');
    expect(await findStoredMessage(request, name)).toMatchObject({
      email: EMAIL,
      message: 'Sent without JavaScript',
    });
    // Reloading it (or going back to it) posts nothing again.
    const posts: string[] = [];
    page.on('request', (sent) => sent.method() === 'POST' && posts.push(sent.url()));
    await page.reload();
    await expect(fields(page).status).toHaveText('Thank you! Your message has been sent.');
    expect(posts).toEqual([]);
  });

  test('line breaks count as one character each, and are stored as typed', async ({ page, request }) => {
    const name = `Lines ${randomUUID()}`;
    // 5,000 characters with 100 line breaks: the browser posts each as CRLF.
    const message = `${'x'.repeat(49)}\n`.repeat(100);
    await page.goto('/contact');
    await fillForm(page, { name, email: EMAIL, message });
    await fields(page).send.click();
    await expect(fields(page).status).toHaveText('Thank you! Your message has been sent.');
    expect((await findStoredMessage(request, name))?.message).toBe(message);
  });

  test('invalid input: the server renders each error next to its field and keeps what was typed', async ({
    page,
    request,
  }) => {
    const name = tooLongName();
    await page.goto('/contact');
    await fillForm(page, { name, email: 'not-an-email', message: '   ' });
    await fields(page).send.click();
    const form = fields(page);
    await expect(form.name).toHaveAccessibleDescription('Name must be at most 100 characters.');
    await expect(form.email).toHaveAccessibleDescription('Email must be a valid email address.');
    await expect(form.message).toHaveAccessibleDescription('Message must not be blank.');
    await expect(form.name).toHaveValue(name);
    await expect(form.email).toHaveValue('not-an-email');
    await expect(form.message).toHaveValue('   ');
    expect(await findStoredMessage(request, name)).toBeUndefined();
  });

  test('the form’s action posted from another site is refused with 403, and nothing is stored', async ({
    page,
    request,
    baseURL,
  }) => {
    // The fields a browser without JavaScript posts: Next.js's hidden action inputs and the form's own.
    await page.goto('/contact');
    const hidden: Record<string, string> = {};
    for (const input of await page.locator('form input[type="hidden"]').all()) {
      hidden[(await input.getAttribute('name')) as string] = (await input.getAttribute('value')) ?? '';
    }
    const post = (name: string, origin: string) =>
      request.post('/contact', {
        headers: { Origin: origin },
        multipart: { ...hidden, name, email: EMAIL, message: 'Posted', website: '' },
      });

    const forged = `Forged ${randomUUID()}`;
    const refused = await post(forged, 'https://evil.example');
    await expectProblem(refused, 403);
    expect(await findStoredMessage(request, forged)).toBeUndefined();

    // The same post from the site itself goes through: the Origin alone made the difference.
    const genuine = `Genuine ${randomUUID()}`;
    expect((await post(genuine, new URL(baseURL as string).origin)).status()).toBe(200);
    expect(await findStoredMessage(request, genuine)).toBeDefined();
  });
});
