import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Posts', template: '%s · Posts' },
  description: 'Posts and a contact form, served by Next.js route handlers on a real database.',
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page is rendered per request: its scripts carry the nonce of this response's CSP (src/server/pages.ts),
  // which a page prerendered at build time could not know.
  await connection();
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <nav aria-label="Main">
            <Link href="/">Posts</Link>
            <Link href="/contact">Contact</Link>
            <Link href="/docs">API</Link>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
