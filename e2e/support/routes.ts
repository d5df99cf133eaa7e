import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The API's route patterns (`/api/posts/[id]`), from the route files themselves: the one record of what the
 * API is. The catch-all (`[...path]`) serves no route of its own and is left out.
 */
export function apiRoutePatterns(directory = 'app/api'): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith('[...') ? [] : apiRoutePatterns(full);
    return entry.name === 'route.ts' ? [`/${path.relative('app', directory).split(path.sep).join('/')}`] : [];
  });
}
