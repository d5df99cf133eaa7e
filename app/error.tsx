'use client';

/** Shown when a page cannot be rendered, typically because the database is not answering for a moment. */
export default function PageError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <>
      <h1>This page is not available right now</h1>
      <p>
        Something on our side is not answering. Nothing you did caused this; please try again in a moment.
      </p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </>
  );
}
