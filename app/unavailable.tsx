/** What a page shows while the database is not answering (the server answers it with 503 and Retry-After). */
export function DatabaseUnavailable() {
  return (
    <>
      <h1>This page is not available right now</h1>
      <p>
        Something on our side is not answering. Nothing you did caused this; please try again in a moment.
      </p>
    </>
  );
}
