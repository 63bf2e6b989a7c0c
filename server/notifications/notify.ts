import type { Kysely, Transaction } from 'kysely';
import type { NotificationKind, NotificationParams } from '../../shared/requests.js';
import type { Database } from '../db/schema.js';
import { withTransaction } from '../db/transaction.js';
import type { Directory } from '../directory/port.js';
import { enqueue, enqueueAll, type JobKind, type JobQueue, type JobSpec } from '../jobs/queue.js';
import { sendMailLater } from '../mail/outbox.js';
import type { PortalKeys } from '../platform/keys.js';
import type { Logger } from '../platform/logger.js';
import type { Clock } from '../platform/clock.js';
import { sendPushLater } from '../push/outbox.js';
import { hasPushSubscription } from '../push/repository.js';
import { notificationMail, notificationPush } from './mail.js';
import { type NotificationRow, findNotification, insertNotification, insertNotifications } from './repository.js';

declare module '../jobs/queue.js' {
  interface JobPayloads {
    /** Mail (and push) for one in-app notification; see server/notifications/notify.ts. */
    'notifications.deliver': { id: number };
  }
}

export interface NotificationSpec {
  /** A username. */
  recipient: string;
  kind: NotificationKind;
  params: NotificationParams;
  /** An app path such as `/requests/12`. */
  link: string;
}

/**
 * Tells a person about a change: an in-app row now, in the transaction of the change, and a job
 * that mails them (and pushes) once that transaction commits. The job looks up their address in
 * the directory later, so the change's transaction never waits on the directory or SMTP.
 */
export async function notify(trx: Kysely<Database> | Transaction<Database>, now: number, spec: NotificationSpec): Promise<number> {
  const id = await insertNotification(trx, notificationRow(spec, now));
  await enqueue(trx, deliveryJob(id, now));
  return id;
}

/**
 * notify() for several people at once, in two statements whatever their number, and the change's
 * other jobs (`alsoEnqueue`) added with the delivery jobs in the same statement.
 */
export async function notifyEach(
  trx: Kysely<Database> | Transaction<Database>,
  now: number,
  specs: readonly NotificationSpec[],
  alsoEnqueue: readonly JobSpec<JobKind>[] = [],
): Promise<void> {
  const ids = await insertNotifications(trx, specs.map((spec) => notificationRow(spec, now)));
  await enqueueAll(trx, [...alsoEnqueue, ...ids.map((id) => deliveryJob(id, now))]);
}

function notificationRow(spec: NotificationSpec, now: number): NotificationRow {
  return { recipient: spec.recipient, kind: spec.kind, params: JSON.stringify(spec.params), link: spec.link, created_at: now };
}

function deliveryJob(id: number, now: number): JobSpec<'notifications.deliver'> {
  return { kind: 'notifications.deliver', payload: { id }, now, uniqueKey: `notification:${id}` };
}

export interface DeliveryDeps {
  db: Kysely<Database>;
  directory: Directory;
  keys: PortalKeys;
  clock: Clock;
  logger: Logger;
  publicUrl: URL;
  companyName: string;
}

/** Notifications that ask for a decision: their push carries approve/reject buttons (which open a confirmation screen). */
const DECISION_KINDS: readonly NotificationKind[] = ['approval_needed', 'approval_reminder', 'approval_escalated'];

/**
 * Turns a notification into queued mail (and push, for a person who turned it on). If this job's
 * process dies after its transaction commits but before the job is marked done, the mail is queued
 * a second time: the one duplicate this path can produce, as with the mail queue itself.
 */
export function registerNotificationJobs(queue: JobQueue, deps: DeliveryDeps): void {
  queue.register('notifications.deliver', async ({ id }) => {
    const row = await findNotification(deps.db, id);
    if (!row) return;
    const person = await deps.directory.findUser(row.recipient);
    if (!person || person.disabled) return;
    const link = new URL(row.link, deps.publicUrl).toString();
    const params = JSON.parse(row.params) as NotificationParams;
    const mail = person.email
      ? notificationMail(person.email, row.kind as NotificationKind, params, link, deps.companyName)
      : null;
    const kind = row.kind as NotificationKind;
    const push = notificationPush(kind, params);
    await withTransaction(deps.db, async (trx) => {
      const now = deps.clock.now();
      if (mail) await sendMailLater(trx, deps.keys, now, mail);
      // Most people never turn push on: a push job for nobody would still be claimed, run and
      // closed, a third of the work a notification makes. (Someone who subscribes later gets the
      // next notification's push, as they would once this one's job had run.)
      if (!(await hasPushSubscription(trx, row.recipient))) return;
      await sendPushLater(trx, now, {
        recipient: row.recipient,
        title: push.title,
        body: push.body,
        url: row.link,
        tag: `notification-${id}`,
        ...(DECISION_KINDS.includes(kind) && /^\/approvals\/\d+$/.test(row.link)
          ? { actions: [{ action: 'approve' as const, title: 'Approve' }, { action: 'reject' as const, title: 'Reject' }] }
          : {}),
      });
    });
    if (!mail) deps.logger.info({ notification: id }, 'notification not mailed: the person has no address');
  });
}
