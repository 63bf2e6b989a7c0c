import { Hono } from 'hono';
import {
  challengeRequestSchema,
  changePasswordRequestSchema,
  flowParamSchema,
  forgotRequestSchema,
  policyCheckRequestSchema,
  resetLinkRequestSchema,
  resetRequestSchema,
  verifyRequestSchema,
} from '../../../shared/password.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { requestContext } from '../../http/request-context.js';
import { clearSessionCookie, currentSession, requireSignIn } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import type { RateLimitRule } from '../../rate-limit/limiter.js';
import { changePassword, resetPassword, unlockAccount } from './complete.js';
import type { PasswordDeps } from './deps.js';
import { challenge, isComplete, loadFlow, startFlow, verify, viewFlow } from './flows.js';
import { startFlowFromLink } from './links.js';
import { checkPassword, effectiveRules } from './policy.js';

export const POLICY_CHECK_IP_RULE: RateLimitRule = { name: 'policy-check:ip', limit: 120, windowMs: 60_000 };

export function passwordDepsOf(deps: AppDeps): PasswordDeps {
  return {
    ...deps,
    publicUrl: deps.config.publicUrl,
    companyName: deps.config.companyName,
    mailDelivers: deps.mailer.delivers !== false,
  };
}

/**
 * Forgot password, unlock, change and the live policy check. (Every answer carries
 * `Referrer-Policy: no-referrer` from the app's security headers, so a flow id never leaks.)
 */
export function passwordRoutes(appDeps: AppDeps) {
  const deps = passwordDepsOf(appDeps);
  return new Hono<AppEnv>()
    .post('/forgot', validate('json', forgotRequestSchema), async (c) => {
      const flowId = await startFlow(deps, c.req.valid('json').login, requestContext(c).ip);
      return c.json({ flowId }, 202);
    })
    .post('/flows/from-link', validate('json', resetLinkRequestSchema), async (c) => {
      const flowId = await startFlowFromLink(deps, c.req.valid('json').token, requestContext(c).ip);
      return c.json({ flowId }, 201);
    })
    .get('/flows/:flowId', validate('param', flowParamSchema), async (c) => {
      const flow = await loadFlow(deps, c.req.valid('param').flowId);
      return c.json(await viewFlow(deps, flow), 200);
    })
    .post('/flows/:flowId/challenge', validate('param', flowParamSchema), validate('json', challengeRequestSchema), async (c) => {
      const flow = await loadFlow(deps, c.req.valid('param').flowId);
      const result = await challenge(deps, flow, c.req.valid('json').method, requestContext(c).ip);
      return c.json(result, 202);
    })
    .post('/flows/:flowId/verify', validate('param', flowParamSchema), validate('json', verifyRequestSchema), async (c) => {
      const flow = await loadFlow(deps, c.req.valid('param').flowId);
      const verified = await verify(deps, flow, c.req.valid('json'), requestContext(c).ip);
      return c.json(await viewFlow(deps, verified), 200);
    })
    .post('/flows/:flowId/reset', validate('param', flowParamSchema), validate('json', resetRequestSchema), async (c) => {
      const flow = await loadFlow(deps, c.req.valid('param').flowId, { person: true });
      await resetPassword(deps, flow, c.req.valid('json').newPassword, requestContext(c).ip);
      // The person's sessions were ended server-side; if this browser held one, its cookie goes too.
      // Someone else signed in here (a colleague helping) stays signed in. No automatic sign-in.
      if (c.get('session')?.username === flow.username) clearSessionCookie(c, appDeps.config.secure);
      return c.json({ done: true as const }, 200);
    })
    .post('/flows/:flowId/unlock', validate('param', flowParamSchema), async (c) => {
      const flow = await loadFlow(deps, c.req.valid('param').flowId, { person: true });
      await unlockAccount(deps, flow, requestContext(c).ip);
      return c.json({ done: true as const }, 200);
    })
    .post('/change', requireSignIn(), validate('json', changePasswordRequestSchema), async (c) => {
      const session = currentSession(c);
      await changePassword(deps, session, c.req.valid('json'), requestContext(c).ip);
      return c.json({ done: true as const }, 200);
    })
    .get('/policy', async (c) => c.json(effectiveRules(await deps.directory.passwordPolicy()), 200))
    .post('/policy-check', validate('json', policyCheckRequestSchema), async (c) => {
      await deps.rateLimiter.consume(POLICY_CHECK_IP_RULE, requestContext(c).ip ?? 'unknown');
      const { password, flowId } = c.req.valid('json');
      // During a reset the password is the flow's person's, whoever may be signed in on this browser.
      // Their names are checked only once the flow is verified: before that, a flow id (anyone can
      // start one for any login) would let a stranger probe a person's name parts. An unverified
      // or unknown flow gets the anonymous verdict, as without a flow.
      const session = c.get('session');
      const flow = flowId ? await loadFlow(deps, flowId, { person: true }).catch(() => null) : null;
      const user = flowId
        ? flow && isComplete(flow)
          ? flow.user
          : null
        : session
          ? { username: session.username, displayName: session.profile.displayName }
          : null;
      const rules = effectiveRules(await deps.directory.passwordPolicy());
      return c.json(
        checkPassword(password, { rules, username: user?.username, displayName: user?.displayName, companyName: deps.companyName }),
        200,
      );
    });
}
