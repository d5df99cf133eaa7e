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
};

export default nextConfig;
