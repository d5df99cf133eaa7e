// `npm run dev` checks the configuration before `next dev` starts, as `npm start` does (server.ts): a bad
// setting is the first and only thing printed, not a line after "✓ Ready".
import { ConfigError, readConfig } from '../src/config';

try {
  readConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`[service] configuration error: ${error.message}`);
  process.exit(1);
}
