import { readdirSync } from 'node:fs';
import path from 'node:path';
import { apiRoutes, type ApiRoute } from '../../src/http/route';

const API_DIRECTORY = path.resolve('app/api');

/** Every app/api/**\/route.ts, relative to app/api as a bundler lists them (`./posts/[id]/route.ts`). */
export function routeFiles(directory = API_DIRECTORY): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === 'route.ts'
      ? [`./${path.relative(API_DIRECTORY, full).split(path.sep).join('/')}`]
      : [];
  });
}

/** The route modules themselves, by file. */
export async function routeModules(): Promise<[string, Record<string, unknown>][]> {
  return Promise.all(
    routeFiles().map(
      async (file) =>
        [file, (await import(path.join(API_DIRECTORY, file))) as Record<string, unknown>] as [
          string,
          Record<string, unknown>,
        ],
    ),
  );
}

/** The API's routes, walked from the files the way the served document walks them. */
export async function walkedRoutes(): Promise<ApiRoute[]> {
  return apiRoutes(await routeModules());
}
