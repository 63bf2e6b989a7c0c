// A separate portal process appending to the audit trail of a SQLite file, for the test that
// several processes can append at once without forking the chain or failing with SQLITE_BUSY.
// Usage: tsx tests/harness/audit-appender.ts <sqlite file> <tag> <count>
// It prints "ready" once loaded, then waits for the file `<sqlite file>.go`, so that all
// processes append at the same moment rather than one after the other.
import fs from 'node:fs';
import { AuditTrail } from '../../server/audit/audit.js';
import { openDatabase } from '../../server/db/database.js';
import { systemClock } from '../../server/platform/clock.js';

const [file, tag, count] = process.argv.slice(2) as [string, string, string];
const handle = openDatabase({ kind: 'sqlite', file });
const trail = new AuditTrail(handle.db, systemClock);
process.stdout.write('ready\n');
while (!fs.existsSync(`${file}.go`)) await new Promise((resolve) => setTimeout(resolve, 5));
for (let i = 0; i < Number(count); i++) {
  // Every other row inside a caller's transaction, as the services write them.
  if (i % 2) {
    await handle.db.transaction().execute((trx) => trail.record({ action: 'test.parallel', actor: `${tag}-${i}`, result: 'success' }, trx));
  } else {
    await trail.record({ action: 'test.parallel', actor: `${tag}-${i}`, result: 'success' });
  }
}
await handle.close();
