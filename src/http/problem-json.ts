import { STATUS_CODES } from 'node:http';

/**
 * An RFC 9457 problem body: `type` is about:blank, so `title` is the status's reason phrase. Here, apart from
 * problem.ts, so that the production server (outside the Next.js bundle) writes the very same.
 */
export function problemJson(status: number, detail: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...extra,
  });
}
