import type { Insertable, Selectable } from 'kysely';
import { queries, type Queries } from '../db/database';
import { keysetPage, type PageRequest } from '../db/paging';
import { prepared } from '../db/prepared';
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

/** Compiled once: each contact form post runs it (see prepared). */
const insertMessage = prepared((db, values: Insertable<Database['contact_messages']>) =>
  db.insertInto('contact_messages').values(values).returningAll(),
);

/** Stores and reads contact messages. */
export function messagesRepository(on: () => Queries) {
  const db = () => on().db;
  const read = () => on().read;
  return {
    async create(input: ContactMessageInput, now: Date): Promise<ContactMessage> {
      const [row] = await insertMessage(on(), { ...input, created_at: now.toISOString() }).execute();
      if (!row) throw new Error('The insert returned no message.');
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
