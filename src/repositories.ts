import 'server-only';
import { database } from './db/client';
import { MessagesRepository } from './messages/repository';
import { PostsRepository } from './posts/repository';
import { RateLimitRepository } from './rate-limit/repository';

/** The repositories on the process's configured database, opened on first use. */
export async function postsRepository(): Promise<PostsRepository> {
  return new PostsRepository((await database()).db);
}

export async function messagesRepository(): Promise<MessagesRepository> {
  return new MessagesRepository((await database()).db);
}

export async function rateLimitRepository(): Promise<RateLimitRepository> {
  return new RateLimitRepository((await database()).db);
}
