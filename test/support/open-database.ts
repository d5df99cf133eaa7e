// Run as a child process by db.test.ts: opens the database given as JSON in argv[2] once, prints the
// migrations it applied as JSON, and exits.
import { openDatabase } from '../../src/db/database';

void openDatabase(JSON.parse(process.argv[2] as string)).then(async ({ applied, destroy }) => {
  process.stdout.write(JSON.stringify(applied));
  await destroy();
});
