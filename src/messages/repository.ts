import type { Kysely, Selectable } from 'kysely';
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
export class MessagesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: ContactMessageInput): Promise<ContactMessage> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('contact_messages')
        .values({ ...input, created_at: new Date().toISOString() })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toMessage(row);
    });
  }

  /** Newest first, keyset-paged like posts. */
  async list(options: {
    limit: number;
    beforeId?: number;
  }): Promise<{ messages: ContactMessage[]; hasMore: boolean }> {
    let query = this.db
      .selectFrom('contact_messages')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(options.limit + 1);
    if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
    const rows = await query.execute();
    return { messages: rows.slice(0, options.limit).map(toMessage), hasMore: rows.length > options.limit };
  }
}
