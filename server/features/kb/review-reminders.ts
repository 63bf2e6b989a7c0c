import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { withTransaction } from '../../db/transaction.js';
import type { Directory } from '../../directory/port.js';
import { enqueue, type JobQueue } from '../../jobs/queue.js';
import { sendMailLater } from '../../mail/outbox.js';
import { kbReviewDueMail } from '../../mail/templates.js';
import type { Clock } from '../../platform/clock.js';
import type { PortalKeys } from '../../platform/keys.js';
import type { Logger } from '../../platform/logger.js';
import { articlesPastReview, findArticleById } from './repository.js';

declare module '../../jobs/queue.js' {
  interface JobPayloads {
    /** Daily: finds published articles past their review-by date. */
    'kb.review-scan': Record<string, never>;
    /** Mails one article's owner that it is due for review. */
    'kb.review-reminder': { articleId: number; reviewBy: string };
  }
}

/** Every morning at 08:00 (server time). */
export const KB_REVIEW_SCHEDULE = '0 8 * * *';

/**
 * Review-by reminders: a daily scan enqueues one reminder job per overdue article, keyed by the
 * article and its review-by date, so an owner is told once per review period (however many
 * processes scan, and however many days it stays overdue); saving with a new date starts the
 * next period.
 */
export function registerKbJobs(
  queue: JobQueue,
  deps: { db: Kysely<Database>; directory: Directory; clock: Clock; keys: PortalKeys; logger: Logger; publicUrl: URL },
): void {
  queue.register('kb.review-scan', async () => {
    const now = deps.clock.now();
    const today = new Date(now).toISOString().slice(0, 10);
    const due = await articlesPastReview(deps.db, today, 1000);
    let queued = 0;
    for (const a of due) {
      const id = await enqueue(deps.db, {
        kind: 'kb.review-reminder',
        payload: { articleId: a.id, reviewBy: a.review_by! },
        now,
        uniqueKey: `kb-review:${a.id}:${a.review_by}`,
      });
      if (id !== null) queued++;
    }
    deps.logger.info({ due: due.length, queued }, 'knowledge-base review scan done');
  });
  queue.register('kb.review-reminder', async ({ articleId, reviewBy }) => {
    const article = await findArticleById(deps.db, articleId);
    // Reviewed, unpublished or reassigned since the scan: nothing to say.
    if (!article || article.status !== 'published' || article.review_by !== reviewBy || !article.owner) return;
    const owner = await deps.directory.findUser(article.owner);
    if (!owner?.email) {
      deps.logger.warn({ articleId }, 'knowledge-base review reminder: the owner has no address');
      return;
    }
    const url = new URL(`/kb/${article.slug}`, deps.publicUrl).href;
    await withTransaction(deps.db, (trx) =>
      sendMailLater(trx, deps.keys, deps.clock.now(), kbReviewDueMail(owner.email, article.title, reviewBy, url)),
    );
  });
  queue.every('kb.review-scan', KB_REVIEW_SCHEDULE, 'kb.review-scan', {});
}
