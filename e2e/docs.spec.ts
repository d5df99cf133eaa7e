import { expect, test } from '@playwright/test';
import { SWAGGER_UI_RENDERED_MS } from './support/openapi';

test('/docs renders the API description in the browser without reaching any other host', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(SWAGGER_UI_RENDERED_MS + 40_000);
  const origin = new URL(baseURL as string).origin;
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));

  const documentLoaded = page.waitForResponse(
    (response) => response.url() === `${origin}/api/openapi.json` && response.status() === 200,
  );
  await page.goto('/docs');
  await documentLoaded;
  await expect(page.getByRole('heading', { level: 1, name: 'API', exact: true })).toBeVisible();

  // Swagger UI's rendering of the document: its title, and operations with their method and path.
  await expect(page.getByRole('heading', { name: /Posts service API/ })).toBeVisible({
    timeout: SWAGGER_UI_RENDERED_MS,
  });
  const createPost = page.locator('.opblock-post', { hasText: 'Create a post' });
  await expect(createPost).toBeVisible({ timeout: SWAGGER_UI_RENDERED_MS });
  await expect(createPost.locator('.opblock-summary-path')).toHaveText('/api/posts');
  await expect(page.locator('.opblock-get', { hasText: 'Read a post' }).first()).toBeVisible();
  expect(await page.locator('.opblock').count()).toBeGreaterThan(10);

  // Open one operation: its parameters and responses come from the same document.
  await page
    .locator('.opblock-get .opblock-summary', { hasText: 'List posts, newest first' })
    .first()
    .click();
  await expect(
    page.locator('.parameters .parameter__name').getByText('limit', { exact: true }),
  ).toBeVisible();
  await expect(page.locator('.responses-table').getByText('Link', { exact: true }).first()).toBeVisible();

  const elsewhere = requested.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
  expect(elsewhere).toEqual([]);
});

test('the home page links to the API page', async ({ page }) => {
  await page.goto('/');
  await page
    .getByRole('main')
    .getByRole('link', { name: /\bAPI\b/ })
    .first()
    .click();
  await expect(page).toHaveURL(/\/docs$/);
  await expect(page.getByRole('heading', { level: 1, name: 'API', exact: true })).toBeVisible();
});
