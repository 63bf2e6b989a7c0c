/**
 * A process that logs through the portal's logger to stdout, for tests of how its lines leave
 * the process (tests/integration/log-output.test.ts). argv[2] says how it ends:
 * `exit` logs LINES lines and exits at once; `uncaught` logs them and throws; `idle` logs one
 * line, prints nothing else and stays alive until killed.
 */
import { createLogger } from '../../server/platform/logger.js';

const mode = process.argv[2];
const lines = Number(process.env.LINES ?? 20);
const logger = createLogger('info');

if (mode === 'idle') {
  logger.info({ n: 0 }, 'waiting');
  setInterval(() => {}, 60_000);
} else {
  for (let n = 0; n < lines; n++) logger.info({ n }, 'line');
  if (mode === 'uncaught') throw new Error('boom after logging');
  process.exit(0);
}
