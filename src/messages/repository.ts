import type { Selectable } from 'kysely';
import { queries, type Queries } from '../db/database';
import { keysetPage, type PageRequest } from '../db/paging';
import type { Database } from '../db/schema';
import type { ContactMessage, ContactMessageInput } from './schema';

function toMessage(row: Selectable<Database['contact_messages']>): ContactMessage {
  return {
    id: Number(row.id),
    name: row.name,
    email: row.email,
    message: row.message,
    createdAt: row.created_at,
  };
}

/** Stores and reads contact messages. */
export function messagesRepository(on: () => Queries) {
  const db = () => on().db;
  const read = () => on().read;
  return {
    async create(input: ContactMessageInput, now: Date): Promise<ContactMessage> {
      const row = await db()
        .insertInto('contact_messages')
        .values({ ...input, created_at: now.toISOString() })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toMessage(row);
    },

    /** Newest first, keyset-paged like posts. */
    list(page: PageRequest) {
      return keysetPage(page.limit, async (rows) => {
        let query = db().selectFrom('contact_messages').selectAll().orderBy('id', 'desc').limit(rows);
        if (page.beforeId !== undefined) query = query.where('id', '<', page.beforeId);
        return (await read()(query)).map(toMessage);
      });
    },
  };
}

/** The contact messages of the process's database. */
export const messages = messagesRepository(queries);
