/**
 * `promise`, or a rejection once `ms` have passed without it settling (what it was doing goes on; nobody
 * waits for it any more). The timer is cleared either way, so it keeps no process alive.
 */
export function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
