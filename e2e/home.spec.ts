import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';

test('the home page shows a post created through the API, and links to it', async ({ page, request }) => {
  const title = `Visible ${randomUUID()}`;
  const created = await request.post('/api/posts', {
    data: { title, body: 'Shown on the page', author: 'E2E' },
  });
  expect(created.status()).toBe(201);
  const response = await page.goto('/');
  // Pages may not be framed by another site (clickjacking), nor have their type guessed.
  expect(response?.headers()['x-frame-options']).toBe('DENY');
  expect(response?.headers()['x-content-type-options']).toBe('nosniff');
  await expect(page.getByRole('heading', { level: 1, name: 'Latest posts' })).toBeVisible();
  // Other specs add posts meanwhile (the paging test below adds 21 at once), so it may already be on a later
  // page: the home page's own "Next page" links lead to it.
  const link = page.getByRole('link', { name: title });
  for (let pages = 1; pages < 10 && (await link.count()) === 0; pages += 1) {
    const next = await page.getByRole('link', { name: 'Next page' }).getAttribute('href');
    expect(next).toMatch(/^\/\?cursor=/);
    await page.goto(next as string);
  }
  await expect(link).toBeVisible();
});

test('the home page pages with the API’s cursor: "Next page" shows older posts, not the newest', async ({
  page,
  request,
}) => {
  // One more than a page. Other specs add posts at the same time, so the checks are about order only.
  const run = randomUUID().slice(0, 8);
  const titles: string[] = [];
  for (let index = 0; index < 21; index += 1) {
    const title = `Paged ${run} #${String(index).padStart(2, '0')}`;
    const created = await request.post('/api/posts', { data: { title, body: 'Paging' } });
    expect(created.status()).toBe(201);
    titles.push(title);
  }
  const newest = titles.at(-1) as string;
  const oldest = titles[0] as string;

  await page.goto('/');
  await expect(page.getByRole('link', { name: newest, exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: oldest, exact: true })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Newest posts' })).toHaveCount(0);

  await page.getByRole('link', { name: 'Next page' }).click();
  await expect(page).toHaveURL(/\/\?cursor=/);
  await expect(page.getByRole('link', { name: oldest, exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: newest, exact: true })).toHaveCount(0);

  // The page's cursor is the API's: the same older posts, in the same order, as GET /api/posts?cursor=….
  const cursor = new URL(page.url()).searchParams.get('cursor') as string;
  const api = (await (await request.get(`/api/posts?cursor=${cursor}`)).json()) as { title: string }[];
  expect(api.map((post) => post.title)).toContain(oldest);

  await page.getByRole('link', { name: 'Newest posts' }).click();
  await expect(page.getByRole('link', { name: newest, exact: true })).toBeVisible();

  // Past the oldest post (a cursor before id 1): the end of the list, not an empty site.
  await page.goto('/?cursor=1');
  await expect(page.getByText('No more posts.')).toBeVisible();
  await expect(page.getByText('No posts yet')).toHaveCount(0);
});

test('the home page links to the contact page and the API description', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('main').getByRole('link', { name: 'contact form' })).toHaveAttribute(
    'href',
    '/contact',
  );
  await expect(page.getByRole('link', { name: 'API description' })).toHaveAttribute('href', '/docs');
});
