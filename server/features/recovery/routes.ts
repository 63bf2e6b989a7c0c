import { Hono } from 'hono';
import { codeRequestSchema, passkeyParamSchema, passkeyRegistrationSchema, recoveryEmailRequestSchema } from '../../../shared/recovery.js';
import { errors } from '../../errors.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { currentSession, requireReauth, requireSignIn } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { passwordDepsOf } from '../password/routes.js';
import { passkeyRegistrationOptions } from './passkeys.js';
import {
  addPasskey,
  addRecoveryEmail,
  confirmRecoveryEmailCode,
  confirmTotpEnrolment,
  recoveryProfile,
  removePasskey,
  removeRecoveryEmail,
  removeTotp,
} from './service.js';
import { beginTotpEnrolment } from './totp.js';

/** The signed-in person's recovery profile: recovery email, authenticator app, passkeys. */
export function recoveryRoutes(appDeps: AppDeps) {
  const deps = passwordDepsOf(appDeps);
  const me = async (username: string) => {
    const user = await deps.directory.findUser(username);
    if (!user) throw errors.unauthenticated();
    return user;
  };
  // Adding, replacing or removing a recovery factor (and starting to) needs the password re-entered
  // recently: whoever controls the factors controls the account's reset.
  const fresh = requireReauth(appDeps.sessions);
  return new Hono<AppEnv>()
    .use(requireSignIn())
    .get('/', async (c) => c.json(await recoveryProfile(deps, await me(currentSession(c).username)), 200))
    .use('/email', fresh)
    .use('/email/*', fresh)
    .use('/totp', fresh)
    .use('/totp/*', fresh)
    .use('/passkeys', fresh)
    .use('/passkeys/*', fresh)
    .post('/email', validate('json', recoveryEmailRequestSchema), async (c) => {
      await addRecoveryEmail(deps, currentSession(c).username, c.req.valid('json').email);
      return c.json({ sent: true }, 202);
    })
    .post('/email/confirm', validate('json', codeRequestSchema), async (c) => {
      await confirmRecoveryEmailCode(deps, currentSession(c).username, c.req.valid('json').code);
      return c.json(await recoveryProfile(deps, await me(currentSession(c).username)), 200);
    })
    .delete('/email', async (c) => {
      await removeRecoveryEmail(deps, currentSession(c).username);
      return c.body(null, 204);
    })
    .post('/totp', async (c) => c.json(await beginTotpEnrolment(deps, currentSession(c).username), 200))
    .post('/totp/confirm', validate('json', codeRequestSchema), async (c) => {
      const { username } = currentSession(c);
      if (!(await confirmTotpEnrolment(deps, username, c.req.valid('json').code))) {
        throw errors.verificationFailed('That code is not right. Check the time on your phone and enter the newest code.');
      }
      return c.json(await recoveryProfile(deps, await me(username)), 200);
    })
    .delete('/totp', async (c) => {
      await removeTotp(deps, currentSession(c).username);
      return c.body(null, 204);
    })
    .post('/passkeys/options', async (c) => {
      const session = currentSession(c);
      return c.json(await passkeyRegistrationOptions(deps, session.username, session.profile.displayName), 200);
    })
    .post('/passkeys', validate('json', passkeyRegistrationSchema), async (c) => {
      const { username } = currentSession(c);
      const { response, name } = c.req.valid('json');
      if (!(await addPasskey(deps, username, response, name))) {
        throw errors.verificationFailed('This passkey could not be added. Try again.');
      }
      return c.json(await recoveryProfile(deps, await me(username)), 201);
    })
    .delete('/passkeys/:id', validate('param', passkeyParamSchema), async (c) => {
      await removePasskey(deps, currentSession(c).username, c.req.valid('param').id);
      return c.body(null, 204);
    });
}
