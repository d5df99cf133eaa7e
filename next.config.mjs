import { JSON_BODY_LIMIT_BYTES } from './src/http/limits.mjs';

/** @type {import('next').NextConfig} */
const nextConfig = {
  // A separate build directory lets two builds (say, two worktrees' test runs) not overwrite each other.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
  reactStrictMode: true,
  // Native and pooled database drivers stay outside the server bundle.
  serverExternalPackages: ['better-sqlite3', 'pg'],
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          // Browsers must not guess a type: a JSON body is never run as a script or rendered as a page.
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          // No other site may frame the pages (the contact form is a clickjacking target).
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
        ],
      },
    ];
  },
  experimental: {
    // proxy.ts (the method guard) makes Next.js copy each /api request body so that both the proxy and the
    // route could read it, and past this size it silently *drops* the rest (the route sees a shorter body that
    // may even be valid JSON). With a margin far above one socket chunk, any body over the JSON cap still
    // reaches the route longer than the cap, so the route answers 413; and no more than ~1 MiB of a huge
    // upload is ever held in memory.
    proxyClientMaxBodySize: JSON_BODY_LIMIT_BYTES + 1024 * 1024,
  },
};

export default nextConfig;
