/** @type {import('next').NextConfig} */
const nextConfig = {
  // A separate build directory lets two builds (say, two worktrees' test runs) not overwrite each other.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
  reactStrictMode: true,
  // Native and pooled database drivers stay outside the server bundle.
  serverExternalPackages: ['better-sqlite3', 'pg'],
};

export default nextConfig;
