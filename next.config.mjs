/** @type {import('next').NextConfig} */
const nextConfig = {
  // A separate build directory lets two builds (say, two worktrees' test runs) not overwrite each other.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
  reactStrictMode: true,
  // Native and pooled database drivers stay outside the server bundle.
  serverExternalPackages: ['better-sqlite3', 'pg'],
  experimental: {
    // A form posted to a page: at most 1 MiB. The production server refuses a larger Content-Length, and any
    // body without one, before Next.js reads a byte (PAGE_BODY_LIMIT_BYTES in src/server/requests.ts), so
    // the proxy, which sees pages only, never buffers more than that.
    serverActions: { bodySizeLimit: '1mb' },
  },
};

export default nextConfig;
