import fs from 'node:fs';
import path from 'node:path';
import { AuditTrail } from './audit/audit.js';
import { type Config, isPlaintextLdap } from './config.js';
import { type DatabaseHandle, migrateToLatest, openDatabase } from './db/database.js';
import { seedDemoCatalog } from './demo/catalog.js';
import { seedDemoDirectory } from './demo/seed.js';
import { seedDemoApprovalChains } from './demo/approval-chains.js';
import { seedDemoRoleBundles } from './demo/role-bundles.js';
import { createBuiltinDirectory } from './directory/builtin.js';
import { createLdapDirectory } from './directory/ldap.js';
import type { Directory } from './directory/port.js';
import { createInventory } from './inventory/create.js';
import type { Inventory } from './inventory/port.js';
import { registerHousekeeping } from './jobs/housekeeping.js';
import { registerKbJobs } from './features/kb/review-reminders.js';
import { JobQueue, type QueueOptions } from './jobs/queue.js';
import { DemoOutbox } from './mail/demo-outbox.js';
import type { Mailer } from './mail/port.js';
import { registerMailJobs } from './mail/outbox.js';
import { createLogOnlyMailer, createSmtpMailer } from './mail/smtp.js';
import type { AppDeps } from './http/context.js';
import { findAppRoot } from './platform/app-root.js';
import { type Clock, systemClock } from './platform/clock.js';
import { createLogger, type Logger } from './platform/logger.js';
import { loadPortalSecret, PortalKeys } from './platform/keys.js';
import { portalSecretMatches, sealLegacyTotpSecrets } from './features/recovery/totp.js';
import { RateLimiter } from './rate-limit/limiter.js';
import { registerPushJobs } from './push/outbox.js';
import type { PushSender } from './push/port.js';
import { loadVapidKeys } from './push/vapid.js';
import { createWebPushSender } from './push/web-push.js';
import { directoryRecheck } from './sessions/recheck.js';
import { sessionRowCacheFor } from './sessions/cache.js';
import { SessionService } from './sessions/service.js';
import { registerNotificationJobs } from './notifications/notify.js';
import { registerRequestJobs } from './features/requests/jobs.js';
import { registerOnboardingJobs } from './features/onboarding/jobs.js';
import { registerOffboardingJobs } from './features/offboarding/close.js';
import { SearchLog } from './features/kb/search-log.js';
import { kbChangesFor } from './features/kb/changes.js';

const repoRoot = findAppRoot();

/** The portal's version, from package.json. */
export function portalVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

export const DEFAULT_WEB_ROOT = path.join(repoRoot, 'dist', 'web');

export interface Overrides {
  clock?: Clock;
  logger?: Logger;
  directory?: Directory;
  inventory?: Inventory;
  mailer?: Mailer;
  /** An already-open database (tests hand in a fresh one per file). */
  database?: DatabaseHandle;
  webRoot?: string | null;
  /** Queue timings (tests use short leases, polls and backoff). */
  jobs?: QueueOptions;
  /** Web push (tests record instead of calling push services, which cannot run here). */
  push?: PushSender;
}

/**
 * The composition root: reads nothing but the config it is given, builds every port and service,
 * migrates the database and (in demo mode) seeds the demo company. The one place that knows
 * which implementation backs each seam.
 */
export async function composeApp(config: Config, overrides: Overrides = {}): Promise<AppDeps> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  // Before the database: a wrong or unreadable secret stops the start before anything is written.
  const keys = new PortalKeys(loadPortalSecret(config.portalSecret, config.dataDir));
  const database: DatabaseHandle = overrides.database ?? openDatabase(config.database, { backgroundCheckpoints: true });
  const { db } = database;
  try {
    const applied = await migrateToLatest(db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
    if ((await portalSecretMatches(db, keys)) === false) {
      // Not fatal: sign-in and every other factor still work; only sealed secrets are lost.
      logger.warn('the portal secret does not open the secrets sealed in this database: set the PORTAL_SECRET it was used with');
    }
    const sealed = await sealLegacyTotpSecrets(db, keys);
    if (sealed) logger.info({ sealed }, 'authenticator secrets stored in clear were sealed');
    if (database.rankExtension && !database.rankExtension.loaded) {
      // Not fatal: the search ranks with SQLite's own bm25(), the same answers, slower on a large base.
      logger.warn({ reason: database.rankExtension.reason }, 'the knowledge-base search runs without its ranking extension');
    }

    const directory =
      overrides.directory ??
      (config.directory.kind === 'ldap' ? createLdapDirectory(config.directory, { logger }) : createBuiltinDirectory(db, { clock }));

    if (config.directory.kind === 'ldap' && isPlaintextLdap(config.directory)) {
      // Only reachable with LDAP_ALLOW_PLAINTEXT=1: configuration refuses it otherwise.
      logger.warn(
        { url: config.directory.url },
        'LDAP without TLS: sign-in passwords cross the network in clear text (LDAP_ALLOW_PLAINTEXT=1)',
      );
    }

    if (config.demo && directory.kind === 'builtin' && (await seedDemoDirectory(db, clock.now()))) {
      logger.info('demo company seeded');
    }
    if (config.demo && directory.kind === 'builtin' && (await seedDemoApprovalChains(db, clock.now()))) {
      logger.info('demo approval chains seeded');
    }

    // Configuration already refuses demo mode with a real directory; the mailbox checks again,
    // because it would show real people's reset codes to anyone.
    const demoOutbox =
      !overrides.mailer && !config.smtpUrl && config.demo && directory.kind === 'builtin' ? new DemoOutbox(() => clock.now()) : null;
    const mailer =
      overrides.mailer ?? demoOutbox ?? (config.smtpUrl ? createSmtpMailer(config.smtpUrl, config.mailFrom) : createLogOnlyMailer(logger));

    const inventory = overrides.inventory ?? createInventory(config.inventory, db, { clock, logger });
    // Generated into the data directory on first start unless configured (VAPID_PUBLIC_KEY/PRIVATE_KEY).
    const push = overrides.push ?? createWebPushSender(loadVapidKeys(config.push.vapid, config.push.subject, config.dataDir));
    if (config.demo && (await seedDemoCatalog(db, inventory))) logger.info('demo catalogue seeded');
    if (config.demo && inventory.kind === 'builtin' && (await seedDemoRoleBundles(db, inventory, clock.now())))
      logger.info('demo role bundles seeded');

    const jobs = new JobQueue(db, clock, logger, overrides.jobs);
    registerMailJobs(jobs, mailer, logger, config.publicUrl.hostname, keys);
    registerPushJobs(jobs, db, push, logger);
    registerHousekeeping(jobs, db, clock, logger, { sessionIdleMs: config.session.idleMs });
    const audit = new AuditTrail(db, clock);
    registerNotificationJobs(jobs, { db, directory, keys, clock, logger, publicUrl: config.publicUrl, companyName: config.companyName });
    registerRequestJobs(jobs, { db, directory, roleGroups: config.roleGroups, inventory, audit, clock });
    registerKbJobs(jobs, { db, directory, clock, keys, logger, publicUrl: config.publicUrl });
    registerOnboardingJobs(jobs, {
      db,
      directory,
      roleGroups: config.roleGroups,
      inventory,
      audit,
      clock,
      keys,
      logger,
      publicUrl: config.publicUrl,
      companyName: config.companyName,
      onboarding: config.onboarding,
    });
    const sessions = new SessionService(
      db,
      clock,
      config.session,
      directoryRecheck(directory, config.roleGroups, config.session.recheckMs, logger),
      sessionRowCacheFor(database, {
        onLost: (error) =>
          logger.warn({ err: error }, 'session change notifications lost: every request reads its session until they resume'),
      }),
    );
    registerOffboardingJobs(jobs, {
      db,
      directory,
      roleGroups: config.roleGroups,
      inventory,
      audit,
      clock,
      keys,
      sessions,
      publicUrl: config.publicUrl,
    });

    return {
      config,
      database,
      db,
      directory,
      inventory,
      mailer,
      demoOutbox,
      clock,
      keys,
      logger,
      audit,
      sessions,
      rateLimiter: new RateLimiter(db, clock),
      searchLog: new SearchLog(db, (error) => logger.error({ err: error }, 'writing the search log failed')),
      kbChanges: kbChangesFor(database, {
        onLost: (error) =>
          logger.warn({ err: error }, 'knowledge-base change notifications lost: searches read the change counter until they resume'),
      }),
      jobs,
      push,
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
  await deps.searchLog.flush().catch((error: unknown) => deps.logger.error({ err: error }, 'writing the search log failed'));
  await deps.jobs.stop();
  await deps.kbChanges.close();
  await deps.mailer.close();
  await deps.inventory.close();
  await deps.directory.close();
  await deps.database.close();
}
