import type { Kysely } from 'kysely';
import type { AuditTrail } from '../../audit/audit.js';
import type { Database } from '../../db/schema.js';
import type { Directory } from '../../directory/port.js';
import type { Clock } from '../../platform/clock.js';
import type { PortalKeys } from '../../platform/keys.js';
import type { Logger } from '../../platform/logger.js';
import type { RateLimiter } from '../../rate-limit/limiter.js';
import type { SessionService } from '../../sessions/service.js';

/**
 * What the password, recovery and help-desk services need; a subset of AppDeps so tests can pass fakes.
 * No mailer: mail is enqueued (server/mail/outbox.ts) in the transaction of the change that causes it.
 */
export interface PasswordDeps {
  db: Kysely<Database>;
  directory: Directory;
  clock: Clock;
  keys: PortalKeys;
  audit: AuditTrail;
  sessions: SessionService;
  rateLimiter: RateLimiter;
  logger: Logger;
  /** The only base links in mail are built from. */
  publicUrl: URL;
  companyName: string;
  /**
   * False when mail reaches nobody (no SMTP outside demo mode): the email method is then offered
   * to no one. Unset means it does.
   */
  mailDelivers?: boolean;
}
