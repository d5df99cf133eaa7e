import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { cache } from 'react';
import * as v from 'valibot';
import { loadForPage } from '@/src/page-data';
import { findPost } from '@/src/posts/service';
import { PathId } from '@/src/validation';
import { DatabaseUnavailable } from '../../unavailable';

type Props = { params: Promise<{ id: string }> };

/**
 * The post for this request, or the 404 page: for an unknown id, and for one that is not a positive
 * integer (a page has no 400); null while the database is unavailable. Cached per request, so the metadata
 * and the page read it once.
 */
const postFor = cache(async (rawId: string) => {
  // Read at request time, never prerendered: the post can change or go at any moment.
  await connection();
  const parsed = v.safeParse(PathId, rawId);
  const id = parsed.success ? parsed.output : undefined;
  if (id === undefined) notFound();
  const loaded = await loadForPage(() => findPost(id));
  if (!loaded.available) return null;
  if (!loaded.data) notFound();
  return loaded.data.post;
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const post = await postFor((await params).id);
  return { title: post?.title ?? 'Not available' };
}

export default async function PostPage({ params }: Props) {
  const post = await postFor((await params).id);
  if (!post) return <DatabaseUnavailable />;
  return (
    <article>
      <p>
        <Link href="/">← All posts</Link>
      </p>
      <h1>{post.title}</h1>
      <p className="muted">
        {post.author ?? 'Anonymous'} · <time dateTime={post.createdAt}>{post.createdAt.slice(0, 10)}</time>
        {post.updatedAt !== post.createdAt && (
          <>
            {' '}
            · edited <time dateTime={post.updatedAt}>{post.updatedAt.slice(0, 10)}</time>
          </>
        )}
      </p>
      <div className="post-body">{post.body}</div>
    </article>
  );
}
