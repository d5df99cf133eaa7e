import type { Metadata } from 'next';
import Link from 'next/link';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Posts', template: '%s · Posts' },
  description: 'Posts and a contact form, served by Next.js route handlers on a real database.',
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
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
