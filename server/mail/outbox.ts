import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { enqueue, type JobContext, type JobQueue } from '../jobs/queue.js';
import type { PortalKeys } from '../platform/keys.js';
import type { Logger } from '../platform/logger.js';
import type { Mailer, OutgoingMail } from './port.js';

/**
 * A queued mail as stored in the job's payload: the recipient in clear (admins see where a stuck
 * mail was going), the message sealed under the portal secret, since it may carry a code or a
 * reset link for the minutes it waits (a stolen database or backup reveals none of them).
 */
export interface MailJobPayload {
  to: string;
  sealed: string;
}

/**
 * All portal mail goes through the job queue: a request never waits on SMTP, an SMTP outage
 * delays mail instead of failing the request, and mail caused by a change that rolls back is
 * never sent. Call with the transaction of that change.
 */
export function sendMailLater(
  db: Kysely<Database> | Transaction<Database>,
  keys: PortalKeys,
  now: number,
  mail: OutgoingMail,
): Promise<number | null> {
  const payload: MailJobPayload = { to: mail.to, sealed: keys.seal('mailJobs', JSON.stringify(mail), mail.to) };
  return enqueue(db, { kind: 'mail.send', payload, now });
}

/** The Message-ID of a mail job: derived from the job id, so a resend is recognisably the same message. */
export function mailMessageId(jobId: number, domain: string): string {
  return `<portal-job-${jobId}@${domain}>`;
}

/**
 * Sends `mail.send` jobs through the configured Mailer. A crash between "sent" and "done" makes
 * the next attempt send the same message (same Message-ID) again: the only duplicate the queue
 * can produce, and it is logged.
 */
export function registerMailJobs(queue: JobQueue, mailer: Mailer, logger: Logger, domain: string, keys: PortalKeys): void {
  queue.register(
    'mail.send',
    async (payload: MailJobPayload, job: JobContext) => {
      // A mail sealed under another secret (a restore without its secret) fails like any other error.
      const mail = JSON.parse(keys.open('mailJobs', payload.sealed, payload.to)) as OutgoingMail;
      const messageId = mailMessageId(job.id, domain);
      if (job.attempt > 1) {
        logger.info({ jobId: job.id, messageId, attempt: job.attempt }, 'mail sent again: an earlier attempt may have been delivered');
      }
      await mailer.send({ ...mail, messageId });
    },
    { scrubWhenDone: true },
  );
}
