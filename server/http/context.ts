import type { Kysely } from 'kysely';
import type { AuditTrail } from '../audit/audit.js';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { Directory } from '../directory/port.js';
import type { Inventory } from '../inventory/port.js';
import type { JobQueue } from '../jobs/queue.js';
import type { KbChanges } from '../features/kb/changes.js';
import type { SearchLog } from '../features/kb/search-log.js';
import type { DemoOutbox } from '../mail/demo-outbox.js';
import type { Mailer } from '../mail/port.js';
import type { Clock } from '../platform/clock.js';
import type { PortalKeys } from '../platform/keys.js';
import type { Logger } from '../platform/logger.js';
import type { PushSender } from '../push/port.js';
import type { RateLimiter } from '../rate-limit/limiter.js';
import type { Session, SessionService } from '../sessions/service.js';

/** Everything the HTTP app needs, built once by the composition root (or by a test). */
export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  db: Kysely<Database>;
  directory: Directory;
  /** The asset inventory: built-in tables or Snipe-IT (INVENTORY). */
  inventory: Inventory;
  mailer: Mailer;
  /** Demo mode without SMTP keeps mail here to show on the demo mailbox page; null otherwise. */
  demoOutbox: DemoOutbox | null;
  clock: Clock;
  /** Keys derived from the portal secret (keyed hashes, sealed TOTP secrets). */
  keys: PortalKeys;
  logger: Logger;
  audit: AuditTrail;
  sessions: SessionService;
  rateLimiter: RateLimiter;
  /** Knowledge-base searches waiting to be written to the analytics log (flushed on close). */
  searchLog: SearchLog;
  /** How this process's knowledge-base search caches learn of changes (PostgreSQL: announced by the database). */
  kbChanges: KbChanges;
  /** The job queue: handlers registered, workers started by startServer (JOBS_WORKERS). */
  jobs: JobQueue;
  /** Web push: the VAPID public key for browsers, and the sender the push.send job uses. */
  push: PushSender;
  version: string;
  /** Where the built web app lives; null serves the API only. */
  webRoot: string | null;
}

/** Per-request values set by middleware. */
export interface AppEnv {
  Variables: {
    session: Session | null;
    ip: string | null;
    requestId: string;
  };
}
