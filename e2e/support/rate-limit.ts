/**
 * A contact limit for tests that count to it: 2 messages per client per day. The service's windows are fixed
 * and aligned to the clock (a 600 s window starts at :00, :10, …), so a test that counts across an edge starts
 * again from zero halfway; with a 10-minute window that happened to a 17 s test in CI. A day's window has one
 * edge, at midnight UTC, which outsideWindowEdge() keeps the test away from.
 */
export const CONTACT_RATE_LIMIT_FOR_TESTS = '2/86400';
const WINDOW_MS = 86_400_000;

/** Waits, when fewer than `marginMs` remain in the current window, until the next window has begun. */
export async function outsideWindowEdge(marginMs: number): Promise<void> {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 1_000));
}
