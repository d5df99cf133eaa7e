import Link from 'next/link';
import { connection } from 'next/server';
import { decodeCursor, encodeCursor } from '@/src/http/paging';
import { postsRepository } from '@/src/repositories';
import { PAGE_DEFAULT_LIMIT } from '@/src/validation';

export default async function HomePage({
  searchParams,
}: {
  searchParams: Promise<{ cursor?: string | string[] }>;
}) {
  await connection();
  const { cursor } = await searchParams;
  let beforeId: number | undefined;
  try {
    beforeId = decodeCursor(typeof cursor === 'string' ? cursor : undefined);
  } catch {
    beforeId = undefined; // an unusable cursor shows the first page rather than an error page
  }
  const page = await (await postsRepository()).list({ limit: PAGE_DEFAULT_LIMIT, beforeId });
  const last = page.posts.at(-1);

  return (
    <>
      <h1>Latest posts</h1>
      <p className="muted">
        The same posts as{' '}
        {/* eslint-disable-next-line @next/next/no-html-link-for-pages -- a JSON route, not a page */}
        <a href="/api/posts">GET /api/posts</a>. Questions? Use the <Link href="/contact">contact form</Link>.
      </p>
      {page.posts.length === 0 ? (
        <p>No posts yet.</p>
      ) : (
        <ul className="post-list">
          {page.posts.map(({ post }) => (
            <li key={post.id}>
              <h2>
                <Link href={`/posts/${post.id}`}>{post.title}</Link>
              </h2>
              <p className="muted">
                {post.author ?? 'Anonymous'} ·{' '}
                <time dateTime={post.createdAt}>{post.createdAt.slice(0, 10)}</time>
              </p>
            </li>
          ))}
        </ul>
      )}
      {page.hasMore && last && (
        <p className="pager">
          <Link href={`/?cursor=${encodeCursor(last.post.id)}`} rel="next">
            Next page
          </Link>
        </p>
      )}
    </>
  );
}
