import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { enqueue, type JobContext, type JobQueue } from '../jobs/queue.js';
import type { Logger } from '../platform/logger.js';
import type { Mailer, OutgoingMail } from './port.js';

/**
 * All portal mail goes through the job queue: a request never waits on SMTP, an SMTP outage
 * delays mail instead of failing the request, and mail caused by a change that rolls back is
 * never sent. Call with the transaction of that change.
 */
export function sendMailLater(db: Kysely<Database> | Transaction<Database>, now: number, mail: OutgoingMail): Promise<number | null> {
  return enqueue(db, { kind: 'mail.send', payload: mail, now });
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
export function registerMailJobs(queue: JobQueue, mailer: Mailer, logger: Logger, domain: string): void {
  queue.register(
    'mail.send',
    async (mail: OutgoingMail, job: JobContext) => {
      const messageId = mailMessageId(job.id, domain);
      if (job.attempt > 1) {
        logger.info({ jobId: job.id, messageId, attempt: job.attempt }, 'mail sent again: an earlier attempt may have been delivered');
      }
      await mailer.send({ ...mail, messageId });
    },
    { scrubWhenDone: true },
  );
}
