import Link from 'next/link';
import { DatabaseUnavailable } from './unavailable';
import { connection } from 'next/server';
import { decodeCursor, encodeCursor } from '@/src/http/paging';
import { loadForPage } from '@/src/page-data';
import { listPosts } from '@/src/posts/service';
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
  const loaded = await loadForPage(() => listPosts({ limit: PAGE_DEFAULT_LIMIT, beforeId }));
  if (!loaded.available) return <DatabaseUnavailable />;
  const page = loaded.data;
  const last = page.items.at(-1);
  // The API's own cursor: this page and `GET /api/posts?cursor=…` page through the same sequence.
  const nextPage = page.hasMore && last ? `/?cursor=${encodeCursor(last.post.id)}` : undefined;

  return (
    <>
      <h1>Latest posts</h1>
      <p className="muted">
        The same posts as{' '}
        {/* eslint-disable-next-line @next/next/no-html-link-for-pages -- a JSON route, not a page */}
        <a href="/api/posts">GET /api/posts</a> (see the <Link href="/docs">API description</Link>).
        Questions? Use the <Link href="/contact">contact form</Link>.
      </p>
      {page.items.length === 0 && beforeId !== undefined ? (
        <p>No more posts.</p>
      ) : page.items.length === 0 ? (
        <p>
          No posts yet. Create one with <code>POST /api/posts</code>, or run <code>npm run db:seed</code> for
          demo posts.
        </p>
      ) : (
        <ul className="post-list">
          {page.items.map(({ post }) => (
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
      {(beforeId !== undefined || nextPage) && (
        <nav className="pager" aria-label="Pages">
          {beforeId !== undefined && <Link href="/">Newest posts</Link>}
          {nextPage && (
            <Link href={nextPage} rel="next">
              Next page
            </Link>
          )}
        </nav>
      )}
    </>
  );
}
