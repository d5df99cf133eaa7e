export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { readConfig } = await import('./src/config');
  // Fail at start with a clear message rather than on the first request.
  const settings = readConfig();
  console.info(`[service] database: ${settings.database.kind}`);
  if (settings.apiToken === undefined) {
    console.warn('[service] API_TOKEN is not set: anyone can create, change and delete posts.');
  }
}
