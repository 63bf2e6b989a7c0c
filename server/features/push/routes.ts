import { Hono } from 'hono';
import { pushSubscriptionSchema, pushUnsubscribeSchema } from '../../../shared/push.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { currentSession, requireSignIn } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { addPushSubscription, removePushSubscription } from './service.js';

/** Web push: the public key browsers subscribe with, and a person's own subscriptions. */
export function pushRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/key', (c) => c.json({ publicKey: deps.push.publicKey }, 200))
    .post('/subscriptions', requireSignIn(), validate('json', pushSubscriptionSchema), async (c) => {
      await addPushSubscription(deps, currentSession(c).username, c.req.valid('json'), c.req.header('user-agent') ?? null);
      return c.json({ subscribed: true }, 201);
    })
    .delete('/subscriptions', requireSignIn(), validate('json', pushUnsubscribeSchema), async (c) => {
      await removePushSubscription(deps, currentSession(c).username, c.req.valid('json').endpoint);
      return c.body(null, 204);
    });
}
