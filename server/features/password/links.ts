import { errors } from '../../errors.js';
import { sendMailLater } from '../../mail/outbox.js';
import { resetLinkMail } from '../../mail/templates.js';
import { randomToken, sha256Hex } from '../../platform/secrets.js';
import type { PasswordDeps } from './deps.js';
import { getResetPolicy } from '../settings/service.js';
import { addressesOf } from './addresses.js';
import { consumeLinkToken, issueLinkToken, TTL } from '../../one-time-secrets/service.js';
import { FLOW_TTL_MS } from './flows.js';
import { insertFlow } from './repository.js';

/**
 * The help desk sends a reset link: a 256-bit single-use token, mailed to the person's own
 * addresses (never one the caller gives), with the link built from PUBLIC_URL only. Callers apply
 * the staff rule first (helpdesk/service.ts `sendResetLinkFor`).
 */
export async function sendResetLink(deps: PasswordDeps, username: string, staff: string): Promise<{ recipients: number }> {
  if (deps.mailDelivers === false) {
    throw errors.mailNotConfigured('This portal has no mail server configured, so it cannot send a link. Issue a verification code instead.');
  }
  const user = await deps.directory.findUser(username);
  if (!user) throw errors.notFound('That person');
  const { forCodes } = await addressesOf(deps.db, user, await getResetPolicy(deps.db));
  if (!forCodes.length) throw errors.methodNotAvailable('This person has no address to send a link to. Issue a verification code instead.');
  const now = deps.clock.now();
  // The token, its mail and the audit row commit together: a link that exists was mailed and audited.
  await deps.db.transaction().execute(async (trx) => {
    const { secret: token } = await issueLinkToken({ ...deps, db: trx }, { username: user.username, createdBy: staff });
    const link = new URL(`/reset#token=${token}`, deps.publicUrl).href;
    for (const to of forCodes) await sendMailLater(trx, deps.keys, now, resetLinkMail(to, link, TTL.reset_link / 60_000, deps.companyName));
    await deps.audit.record(
      {
        action: 'helpdesk.reset_link_sent',
        actor: staff,
        subject: user.username,
        result: 'success',
        details: { recipients: forCodes.length },
      },
      trx,
    );
  });
  return { recipients: forCodes.length };
}

/**
 * Opening the link consumes the token (once, atomically) and starts a flow in which the mailbox
 * is already proven: the email method counts as verified.
 */
export async function startFlowFromLink(deps: PasswordDeps, token: string, ip: string | null): Promise<string> {
  const now = deps.clock.now();
  const secret = await consumeLinkToken(deps, token);
  if (!secret) {
    throw errors.flowExpired('This link has expired or was already used. Ask the help desk for a new one, or start again.');
  }
  const flowId = randomToken(32);
  await insertFlow(deps.db, {
    id_hash: sha256Hex(flowId),
    username: secret.username,
    subject_key: secret.username,
    created_at: now,
    expires_at: now + FLOW_TTL_MS,
    verified_methods: 'email',
    ip,
    on_behalf_of: secret.createdBy,
  });
  await deps.audit.record({
    action: 'password.link_opened',
    actor: null,
    subject: secret.username,
    result: 'success',
    ip,
    details: secret.createdBy ? { onBehalfOf: secret.createdBy } : undefined,
  });
  return flowId;
}
