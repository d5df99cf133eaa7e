/** Settings shared by the Playwright config, its web server and the specs. */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3210);
export const E2E_API_TOKEN = process.env.E2E_API_TOKEN ?? 'e2e-token-0123456789abcdef';
