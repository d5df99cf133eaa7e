export async function register() {
  // The documented form: Next.js drops this branch from its edge build, which has no node:http.
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { onServerStart } = await import('./src/server-start');
    await onServerStart();
  }
}
