import type { PushSubscriptionInput } from '../../../shared/push.js';
import type { AuditTrail } from '../../audit/audit.js';
import { withTransaction, type Executor } from '../../db/transaction.js';
import type { Clock } from '../../platform/clock.js';
import { deletePushSubscription, trimPushSubscriptions, upsertPushSubscription } from '../../push/repository.js';

interface PushDeps {
  db: Executor;
  clock: Clock;
  audit: AuditTrail;
}

/** More browsers than anyone uses; older subscriptions beyond this are dropped (a bound on rows per person). */
export const MAX_PUSH_SUBSCRIPTIONS_PER_PERSON = 10;

/** Turns notifications on for this browser (subscribing again refreshes the keys). */
export async function addPushSubscription(deps: PushDeps, username: string, input: PushSubscriptionInput, userAgent: string | null): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    await upsertPushSubscription(trx, {
      endpoint: input.endpoint,
      username,
      p256dh: input.keys.p256dh,
      auth: input.keys.auth,
      user_agent: userAgent?.slice(0, 512) ?? null,
      created_at: deps.clock.now(),
    });
    await trimPushSubscriptions(trx, username, MAX_PUSH_SUBSCRIPTIONS_PER_PERSON);
    // The endpoint is a capability of the browser: the audit row names only the push service's host.
    await deps.audit.record({ action: 'push.subscribe', actor: username, result: 'success', details: { service: new URL(input.endpoint).host } }, trx);
  });
}

/** Turns notifications off for this browser; only the person's own subscription is touched (else nothing happens). */
export async function removePushSubscription(deps: PushDeps, username: string, endpoint: string): Promise<void> {
  await withTransaction(deps.db, async (trx) => {
    if (await deletePushSubscription(trx, username, endpoint)) {
      await deps.audit.record({ action: 'push.unsubscribe', actor: username, result: 'success' }, trx);
    }
  });
}
