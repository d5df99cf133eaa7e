import type { Insertable, Selectable } from 'kysely';
import { queries, type Queries } from '../db/database';
import { keysetPage, type PageRequest } from '../db/paging';
import { prepared } from '../db/prepared';
import { withinLimit, type CountedWindow } from '../rate-limit/repository';
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

type NewMessage = Omit<Insertable<Database['contact_messages']>, 'id'>;

/** A message stored only if its sender's count, made in the same transaction, is within the limit. */
const insertMessageWithinLimit = prepared((db, values: NewMessage & CountedWindow) =>
  db
    .insertInto('contact_messages')
    .columns(['name', 'email', 'message', 'created_at'])
    .expression(
      db
        .selectNoFrom((eb) => [
          eb.val(values.name).as('name'),
          eb.val(values.email).as('email'),
          eb.val(values.message).as('message'),
          eb.val(values.created_at).as('created_at'),
        ])
        .where((eb) => withinLimit(eb, values)),
    )
    .returningAll(),
);

/** Stores and reads contact messages. */
export function messagesRepository(on: () => Queries) {
  const db = () => on().db;
  const read = () => on().read;
  return {
    /** The insert of a message, to run after its sender's count (see RateLimitRepository.hit). */
    createWithinLimit(input: ContactMessageInput, now: Date) {
      return (window: CountedWindow) =>
        insertMessageWithinLimit(on(), { ...input, created_at: now.toISOString(), ...window });
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
