/** @type {import('next').NextConfig} */
const nextConfig = {
  // A separate build directory lets two builds (say, two worktrees' test runs) not overwrite each other.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
  reactStrictMode: true,
  // Native and pooled database drivers stay outside the server bundle.
  serverExternalPackages: ['better-sqlite3', 'pg'],
  experimental: {
    // A form posted to a page: at most 1 MiB, as the production server checks before Next.js reads it
    // (PAGE_BODY_LIMIT_BYTES in src/server/requests.ts), and as much as the proxy buffers.
    serverActions: { bodySizeLimit: '1mb' },
    proxyClientMaxBodySize: '1mb',
  },
};

export default nextConfig;
