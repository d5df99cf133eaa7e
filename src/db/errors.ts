import { DomainError, unavailable } from '../errors';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_THREAD_EXITED', // src/db/sqlite-thread.ts
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08003',
  '08006', // connection failures
]);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for a unique-constraint violation on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * The domain outcome a driver error stands for: a database that cannot be reached (or is busy past the
 * timeout) is `unavailable`, which a client may retry. Undefined for every other error (a fault of ours).
 */
export function outcomeOf(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : '';
  const lostConnection =
    /Connection terminated|not queryable|Query read timeout|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(
      message,
    );
  // SQLite's extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_RECOVERY) are its busy code too.
  const sqliteBusy = code?.startsWith('SQLITE_BUSY') || code?.startsWith('SQLITE_LOCKED');
  if ((code && UNAVAILABLE_CODES.has(code)) || sqliteBusy || lostConnection) return unavailable(error);
  return undefined;
}
