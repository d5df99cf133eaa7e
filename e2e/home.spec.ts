import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';

test('the home page shows a post created through the API, and links to it', async ({ page, request }) => {
  const title = `Visible ${randomUUID()}`;
  const created = await request.post('/api/posts', {
    data: { title, body: 'Shown on the page', author: 'E2E' },
  });
  expect(created.status()).toBe(201);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Latest posts' })).toBeVisible();
  const link = page.getByRole('link', { name: title });
  await expect(link).toBeVisible();
});
