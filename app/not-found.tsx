import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Not found' };

export default function NotFound() {
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is nothing at this address. If a link brought you to a post, the post may have been deleted.
      </p>
      <p>
        <Link href="/">See the latest posts</Link>
      </p>
    </>
  );
}
