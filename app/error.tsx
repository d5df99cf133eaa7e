'use client';

import { DatabaseUnavailable } from './unavailable';

/** Shown when a page cannot be rendered: a fault of ours (the database being away is answered as a 503). */
export default function PageError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <>
      <DatabaseUnavailable />
      <button type="button" onClick={reset}>
        Try again
      </button>
    </>
  );
}
