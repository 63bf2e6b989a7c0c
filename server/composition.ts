import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditTrail } from './audit/audit.js';
import type { Config } from './config.js';
import { type DatabaseHandle, migrateToLatest, openDatabase } from './db/database.js';
import { seedDemoDirectory } from './demo/seed.js';
import { createBuiltinDirectory } from './directory/builtin.js';
import { createLdapDirectory } from './directory/ldap.js';
import type { Directory } from './directory/port.js';
import { registerHousekeeping } from './jobs/housekeeping.js';
import { JobQueue, type QueueOptions } from './jobs/queue.js';
import { DemoOutbox } from './mail/demo-outbox.js';
import type { Mailer } from './mail/port.js';
import { registerMailJobs } from './mail/outbox.js';
import { createLogOnlyMailer, createSmtpMailer } from './mail/smtp.js';
import type { AppDeps } from './http/context.js';
import { type Clock, systemClock } from './platform/clock.js';
import { createLogger, type Logger } from './platform/logger.js';
import { RateLimiter } from './rate-limit/limiter.js';
import { SessionService } from './sessions/service.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The portal's version, from package.json. */
export function portalVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

export const DEFAULT_WEB_ROOT = path.join(repoRoot, 'dist', 'web');

export interface Overrides {
  clock?: Clock;
  logger?: Logger;
  directory?: Directory;
  mailer?: Mailer;
  /** An already-open database (tests hand in a fresh one per file). */
  database?: DatabaseHandle;
  webRoot?: string | null;
  /** Queue timings (tests use short leases, polls and backoff). */
  jobs?: QueueOptions;
}

/**
 * The composition root: reads nothing but the config it is given, builds every port and service,
 * migrates the database and (in demo mode) seeds the demo company. The one place that knows
 * which implementation backs each seam.
 */
export async function composeApp(config: Config, overrides: Overrides = {}): Promise<AppDeps> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const database: DatabaseHandle = overrides.database ?? openDatabase(config.database);
  const { db } = database;
  try {
    const applied = await migrateToLatest(db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');

    const directory =
      overrides.directory ??
      (config.directory === 'ldap' && config.ldap ? createLdapDirectory(config.ldap, { logger }) : createBuiltinDirectory(db, { clock }));

    if (config.demo && directory.kind === 'builtin' && (await seedDemoDirectory(db, clock.now()))) {
      logger.info('demo company seeded');
    }

    const demoOutbox = !overrides.mailer && !config.smtpUrl && config.demo ? new DemoOutbox(() => clock.now()) : null;
    const mailer =
      overrides.mailer ?? demoOutbox ?? (config.smtpUrl ? createSmtpMailer(config.smtpUrl, config.mailFrom) : createLogOnlyMailer(logger));

    const jobs = new JobQueue(db, clock, logger, overrides.jobs);
    registerMailJobs(jobs, mailer, logger, config.publicUrl.hostname);
    registerHousekeeping(jobs, db, clock, logger, { sessionIdleMs: config.session.idleMs });

    return {
      config,
      database,
      db,
      directory,
      mailer,
      demoOutbox,
      clock,
      logger,
      audit: new AuditTrail(db, clock),
      sessions: new SessionService(db, clock, config.session),
      rateLimiter: new RateLimiter(db, clock),
      jobs,
      version: portalVersion(),
      webRoot: overrides.webRoot === undefined ? DEFAULT_WEB_ROOT : overrides.webRoot,
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Releases what composeApp opened. */
export async function closeDeps(deps: AppDeps): Promise<void> {
  await deps.jobs.stop();
  await deps.mailer.close();
  await deps.directory.close();
  await deps.database.close();
}
