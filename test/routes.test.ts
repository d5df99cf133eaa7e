import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { API_ROUTES } from '../src/http/routes';

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Every app/api/**\/route.ts, as its URL pattern. */
function routeFiles(directory = 'app/api'): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === 'route.ts' ? [full] : [];
  });
}

test('the method guard table and the route files agree, method for method', async () => {
  const files = routeFiles();
  const patterns = files.map((file) => `/${path.dirname(file).split(path.sep).slice(1).join('/')}`);
  assert.deepEqual(patterns.sort(), Object.keys(API_ROUTES).sort());
  for (const file of files) {
    const pattern = `/${path.dirname(file).split(path.sep).slice(1).join('/')}` as keyof typeof API_ROUTES;
    const routeModule = (await import(path.resolve(file))) as Record<string, unknown>;
    const exported = HTTP_METHODS.filter((method) => typeof routeModule[method] === 'function');
    assert.deepEqual(exported.sort(), [...API_ROUTES[pattern]].sort(), `${file} exports`);
  }
});
