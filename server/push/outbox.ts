import type { PushAction, PushMessage } from '../../shared/push.js';
import type { Executor } from '../db/transaction.js';
import { enqueue, type JobContext, type JobQueue } from '../jobs/queue.js';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../platform/logger.js';
import { PushDeliveryError, type PushSender } from './port.js';
import { deleteGonePushSubscription, listPushSubscriptions } from './repository.js';

/** A push to every browser where `recipient` turned notifications on. */
export interface PushJobPayload {
  recipient: string;
  title: string;
  body: string;
  /** A path inside the portal opened on click, e.g. `/approvals/12`. */
  url: string;
  tag?: string;
  /** Approve/reject buttons: they open `url?decision=…`, a confirmation screen (see shared/push.ts). */
  actions?: PushAction[];
}

declare module '../jobs/queue.js' {
  interface JobPayloads {
    /** One notification to every subscription of a person; see server/push/outbox.ts. */
    'push.send': PushJobPayload;
  }
}

/** How long a push service keeps a message for a browser that is offline: a day. */
const PUSH_TTL_SECONDS = 24 * 60 * 60;

/**
 * Queues a web push, like sendMailLater: call it with the transaction of the change it announces,
 * so a change that rolls back notifies nobody and a request never waits on a push service. The
 * payload is stored in clear in the job (titles and links, never codes or secrets).
 */
export function sendPushLater(trx: Executor, now: number, push: PushJobPayload): Promise<number | null> {
  return enqueue(trx, { kind: 'push.send', payload: push, now, maxAttempts: 5 });
}

/**
 * Sends `push.send` jobs. Subscriptions the push service answers 404/410 for are deleted. If any
 * other send fails the job is retried; browsers that already got it show the retry in place of
 * the first (same tag: the job id unless the caller gave one), so a retry never stacks duplicates.
 */
export function registerPushJobs(queue: JobQueue, db: Kysely<Database>, sender: PushSender, logger: Logger): void {
  queue.register('push.send', async (payload: PushJobPayload, job: JobContext) => {
    const message: PushMessage = {
      title: payload.title,
      body: payload.body,
      url: payload.url,
      tag: payload.tag ?? `portal-job-${job.id}`,
      ...(payload.actions?.length ? { actions: payload.actions } : {}),
    };
    const text = JSON.stringify(message);
    const failures: string[] = [];
    for (const subscription of await listPushSubscriptions(db, payload.recipient)) {
      try {
        const outcome = await sender.send(subscription, text, { ttlSeconds: PUSH_TTL_SECONDS, urgency: payload.actions?.length ? 'high' : 'normal' });
        if (outcome === 'gone') {
          await deleteGonePushSubscription(db, subscription.endpoint);
          logger.info({ jobId: job.id }, 'push subscription gone: removed');
        }
      } catch (error) {
        if (!(error instanceof PushDeliveryError)) throw error;
        failures.push(error.message);
      }
    }
    if (failures.length) throw new Error(`web push failed for ${failures.length} subscription(s): ${failures.join('; ')}`);
  });
}
