import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';

test('a post has its own page, reached from the home page', async ({ page, request }) => {
  const title = `Readable ${randomUUID()}`;
  const created = await request.post('/api/posts', {
    data: { title, body: 'First line\nSecond line', author: 'Ann' },
  });
  const post = (await created.json()) as { id: number };

  await page.goto('/');
  await page.getByRole('link', { name: title }).click();
  await expect(page).toHaveURL(`/posts/${post.id}`);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(page).toHaveTitle(`${title} · Posts`);
  await expect(page.getByText('Ann ·')).toBeVisible();
  await expect(page.getByText('First line')).toHaveText('First line\nSecond line');
});

test('an unknown id, an id that is not a positive integer and a deleted post are the 404 page', async ({
  page,
  request,
}) => {
  const created = await request.post('/api/posts', { data: { title: `Doomed ${randomUUID()}`, body: 'b' } });
  const { id } = (await created.json()) as { id: number };
  expect((await page.goto(`/posts/${id}`))?.status()).toBe(200);
  expect((await request.delete(`/api/posts/${id}`)).status()).toBe(204);

  for (const path of [
    `/posts/${id}`,
    '/posts/999999999',
    '/posts/abc',
    '/posts/0',
    '/posts/01',
    '/posts/-1',
  ]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole('heading', { level: 1, name: 'Not found' })).toBeVisible();
    await expect(page).toHaveTitle('Not found · Posts');
  }
});

test('on a phone, nothing is wider than the screen', async ({ page, request }, testInfo) => {
  await page.setViewportSize({ width: 360, height: 740 });
  const created = await request.post('/api/posts', {
    data: { title: `Wide${'x'.repeat(190)}`, body: `${'y'.repeat(2_000)}`, author: 'z'.repeat(100) },
  });
  const { id } = (await created.json()) as { id: number };
  for (const path of ['/', `/posts/${id}`, '/contact']) {
    await page.goto(path);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
  await testInfo.attach('contact-on-a-phone', { body: await page.screenshot(), contentType: 'image/png' });
});
